using ModelDsl.Examples;
using ModelDsl.Training;
using static TorchSharp.torch;

namespace ModelDsl.Labs.Classification;

/// <summary>A freshly initialised generated classifier with what the lab reports about it.</summary>
public sealed record Classifier(ITrainableModel Model, Func<Tensor, Tensor> Predict, long Params, string Summary);

/// <summary>
/// One of the lab's models: its JSON name, a description, the epochs of the protocol, the PyTorch 1.13 median test
/// accuracy over seeds 0–4 on the same protocol (issue 7; null where no anchor exists) and how to make it for a seed.
/// </summary>
public sealed record ClassifierSpec(string Name, string Label, int Epochs, double? PytorchMedian, Func<int, Classifier> Create);

/// <summary>The generated classifiers of examples/ModelDsl.Examples/Classifiers.cs, all Adam(0.001).</summary>
public static class Classifiers
{
    public static readonly ClassifierSpec DigitsMlp = new("mlp", "Dense(64, relu) → Dense(10, softmax)", 50, 0.971, seed =>
    {
        var m = new DigitsMlp(seed);
        return new Classifier(m, m.Predict, Examples.DigitsMlp.ParameterCount.Total, m.Summary());
    });

    public static readonly ClassifierSpec DigitsCnn = new("cnn", "Reshape(8, 8, 1) → Conv2D(16, 3, relu) → MaxPooling2D(2) → Flatten → Dense(10, softmax)", 50, 0.971, seed =>
    {
        var m = new DigitsCnn(seed);
        return new Classifier(m, m.Predict, Examples.DigitsCnn.ParameterCount.Total, m.Summary());
    });

    public static readonly ClassifierSpec DigitsRegularizedMlp = new("regularized_mlp", "Dense(128) → BatchNormalization → relu → Dropout(0.3) → Dense(10, softmax)", 50, null, seed =>
    {
        var m = new DigitsRegularizedMlp(seed);
        return new Classifier(m, m.Predict, Examples.DigitsRegularizedMlp.ParameterCount.Total, m.Summary());
    });

    public static readonly ClassifierSpec BreastCancerLogistic = new("logistic_regression", "Dense(1, sigmoid), binary cross-entropy", 100, 0.979, seed =>
    {
        var m = new BreastCancerLogistic(seed);
        return new Classifier(m, m.Predict, Examples.BreastCancerLogistic.ParameterCount.Total, m.Summary());
    });

    /// <summary>The lab's datasets, each with its models in the order they are run and reported.</summary>
    public static IReadOnlyList<(DatasetSpec Dataset, IReadOnlyList<ClassifierSpec> Models)> Plan { get; } =
    [
        (DatasetSpec.Digits, [DigitsMlp, DigitsCnn, DigitsRegularizedMlp]),
        (DatasetSpec.BreastCancer, [BreastCancerLogistic]),
    ];
}
