using ModelDsl;
using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;
using static ModelDsl.Ops;

namespace ModelDsl.Examples;

// The classification lab's models (examples/Labs/Classification): the 8×8 digits and the breast-cancer features.

/// <summary>Digits, 64 pixels to 10 classes: Dense(64, relu) → Dense(10, softmax), sparse categorical cross-entropy.</summary>
[Model(64, Loss = Loss.SparseCategoricalCrossentropy, Metrics = [Metric.Accuracy])]
[Adam(0.001)]
public partial class DigitsMlp
{
    [Dense(64, Activation.Relu)] private partial Tensor Hidden(Tensor x);
    [Dense(10, Activation.Softmax)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(Hidden(x));
}

/// <summary>Digits as 8×8 images: Conv2D(16, 3×3, relu) → MaxPooling2D(2) → Flatten → Dense(10, softmax).</summary>
[Model(64, Loss = Loss.SparseCategoricalCrossentropy, Metrics = [Metric.Accuracy])]
[Adam(0.001)]
public partial class DigitsCnn
{
    [Conv2D(16, 3, Activation = Activation.Relu)] private partial Tensor Features(Tensor x);
    [MaxPooling2D(2)] private partial Tensor Pool(Tensor x);
    [Dense(10, Activation.Softmax)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(Flatten(Pool(Features(Reshape(x, -1, 8, 8, 1)))));
}

/// <summary>
/// Digits with regularisation: Dense(128) → BatchNormalization → relu → Dropout(0.3) → Dense(10, softmax). Batch
/// statistics and dropout while training, moving statistics and the identity when predicting.
/// </summary>
[Model(64, Loss = Loss.SparseCategoricalCrossentropy, Metrics = [Metric.Accuracy])]
[Adam(0.001)]
public partial class DigitsRegularizedMlp
{
    [Dense(128)] private partial Tensor Hidden(Tensor x);
    [BatchNormalization] private partial Tensor Normalize(Tensor x);
    [Dropout(0.3)] private partial Tensor Drop(Tensor x);
    [Dense(10, Activation.Softmax)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(Drop(Relu(Normalize(Hidden(x)))));
}

/// <summary>Breast cancer, 30 standardised features to P(malignant): logistic regression, Dense(1, sigmoid), binary cross-entropy.</summary>
[Model(30, Loss = Loss.BinaryCrossentropy, Metrics = [Metric.Accuracy, Metric.Precision, Metric.Recall])]
[Adam(0.001)]
public partial class BreastCancerLogistic
{
    [Dense(1, Activation.Sigmoid)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(x);
}
