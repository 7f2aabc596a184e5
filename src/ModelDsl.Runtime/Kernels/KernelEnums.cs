namespace ModelDsl.Kernels;

/// <summary>Element-wise activations, by their Keras names (Softmax is over the last axis).</summary>
public enum Activation { Linear, Relu, Selu, Elu, Tanh, Sigmoid, Softplus, Softmax, LeakyRelu, Gelu, Swish }

/// <summary>
/// Losses, each reduced as Keras' "sum_over_batch_size": MSE, MAE and Huber are means over every element; the
/// cross-entropies are per-sample losses (over the last axis) averaged over the samples.
/// </summary>
public enum Loss { MeanSquaredError, MeanAbsoluteError, Huber, BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy }

/// <summary>
/// Metrics reported per epoch. <see cref="Accuracy"/> is Keras' <c>"accuracy"</c> string: binary, categorical or sparse
/// categorical accuracy chosen from the shapes (and named "accuracy").
/// </summary>
public enum Metric
{
    MeanAbsoluteError, MeanSquaredError, RootMeanSquaredError,
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, Precision, Recall,
}

/// <summary>Keras' padding of convolutions and pooling: "valid", "same", and (1-D convolution only) "causal".</summary>
public enum Padding { Valid, Same, Causal }
