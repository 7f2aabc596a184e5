namespace ModelDsl.Kernels;

/// <summary>Element-wise activations, by their Keras names.</summary>
public enum Activation { Linear, Relu, Selu, Elu, Tanh, Sigmoid, Softplus }

/// <summary>Losses; each is a mean over every element (Keras' "sum_over_batch_size").</summary>
public enum Loss { MeanSquaredError, MeanAbsoluteError, Huber }

/// <summary>Metrics reported per epoch.</summary>
public enum Metric { MeanAbsoluteError, MeanSquaredError, RootMeanSquaredError }
