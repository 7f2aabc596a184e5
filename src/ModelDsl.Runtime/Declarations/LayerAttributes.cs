using ModelDsl.Kernels;

namespace ModelDsl;

// The layer vocabulary: each attribute goes on a partial method `Tensor Name(Tensor x)` of a [Model] class. Names,
// defaults and weight layouts are Keras'; the input's size is inferred at compile time. The generator reads the
// arguments from syntax (see src/ModelDsl.Generators/Layers, one definition per layer).

/// <summary>Keras' Dense: <c>activation(x · kernel + bias)</c>; kernel (in, units), bias (units). Input (batch, features).</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class DenseAttribute(int units, Activation activation = Activation.Linear) : Attribute
{
    public int Units { get; } = units;
    public Activation Activation { get; } = activation;
    public bool UseBias { get; set; } = true;
    public Init KernelInitializer { get; set; } = Init.GlorotUniform;
    public Init BiasInitializer { get; set; } = Init.Zeros;
}

/// <summary>Keras' Dropout: while training, drops each input with probability <paramref name="rate"/> and scales the rest by 1/(1 − rate); the identity otherwise.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class DropoutAttribute(double rate) : Attribute
{
    public double Rate { get; } = rate;
}

/// <summary>Keras' Normalization: mean and variance adapted from data (<c>Adapt</c>), not trained.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class NormalizationAttribute : Attribute;

/// <summary>Keras' BatchNormalization over the last axis: batch statistics while training, moving ones otherwise.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class BatchNormalizationAttribute : Attribute
{
    public double Momentum { get; set; } = 0.99;
    public double Epsilon { get; set; } = 1e-3;
}

/// <summary>Keras' LayerNormalization over the last axis of each sample.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class LayerNormalizationAttribute : Attribute
{
    public double Epsilon { get; set; } = 1e-3;
}

/// <summary>Keras' Conv1D on (batch, steps, channels): kernel (kernelSize, in, filters), bias (filters).</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class Conv1DAttribute(int filters, int kernelSize) : Attribute
{
    public int Filters { get; } = filters;
    public int KernelSize { get; } = kernelSize;
    public int Strides { get; set; } = 1;
    public Padding Padding { get; set; } = Padding.Valid;
    public int DilationRate { get; set; } = 1;
    public Activation Activation { get; set; } = Activation.Linear;
    public bool UseBias { get; set; } = true;
    public Init KernelInitializer { get; set; } = Init.GlorotUniform;
    public Init BiasInitializer { get; set; } = Init.Zeros;
}

/// <summary>
/// Keras' Conv2D on (batch, rows, cols, channels): kernel (kh, kw, in, filters), bias (filters). One kernel size
/// stands for both axes: <c>[Conv2D(16, 3)]</c>; two give (rows, cols): <c>[Conv2D(16, 3, 5)]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class Conv2DAttribute(int filters, params int[] kernelSize) : Attribute
{
    public int Filters { get; } = filters;
    public int[] KernelSize { get; } = kernelSize;
    public int Strides { get; set; } = 1;
    public Padding Padding { get; set; } = Padding.Valid;
    public int DilationRate { get; set; } = 1;
    public Activation Activation { get; set; } = Activation.Linear;
    public bool UseBias { get; set; } = true;
    public Init KernelInitializer { get; set; } = Init.GlorotUniform;
    public Init BiasInitializer { get; set; } = Init.Zeros;
}

/// <summary>Keras' MaxPooling1D: the maximum over windows of <paramref name="poolSize"/> steps (strides default to the window).</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class MaxPooling1DAttribute(int poolSize = 2) : Attribute
{
    public int PoolSize { get; } = poolSize;
    public int Strides { get; set; }
    public Padding Padding { get; set; } = Padding.Valid;
}

/// <summary>Keras' AveragePooling1D: the mean over windows of <paramref name="poolSize"/> steps (strides default to the window).</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class AveragePooling1DAttribute(int poolSize) : Attribute
{
    public int PoolSize { get; } = poolSize;
    public int Strides { get; set; }
    public Padding Padding { get; set; } = Padding.Valid;
}

/// <summary>Keras' MaxPooling2D: the maximum over (rows, cols) windows, 2 × 2 by default; one size stands for both axes.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class MaxPooling2DAttribute(params int[] poolSize) : Attribute
{
    public int[] PoolSize { get; } = poolSize.Length == 0 ? [2] : poolSize;
    public int Strides { get; set; }
    public Padding Padding { get; set; } = Padding.Valid;
}

/// <summary>Keras' AveragePooling2D: the mean over (rows, cols) windows; one size stands for both axes.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class AveragePooling2DAttribute(params int[] poolSize) : Attribute
{
    public int[] PoolSize { get; } = poolSize;
    public int Strides { get; set; }
    public Padding Padding { get; set; } = Padding.Valid;
}

/// <summary>Keras' GlobalAveragePooling1D: (batch, steps, channels) to the mean over steps, (batch, channels).</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class GlobalAveragePooling1DAttribute : Attribute;

/// <summary>Keras' GlobalMaxPooling1D: (batch, steps, channels) to the maximum over steps, (batch, channels).</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class GlobalMaxPooling1DAttribute : Attribute;

/// <summary>Keras' GlobalAveragePooling2D: (batch, rows, cols, channels) to the mean over rows and cols, (batch, channels).</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class GlobalAveragePooling2DAttribute : Attribute;

/// <summary>Keras' GlobalMaxPooling2D: (batch, rows, cols, channels) to the maximum over rows and cols, (batch, channels).</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class GlobalMaxPooling2DAttribute : Attribute;

/// <summary>Keras' LSTM on (batch, time, features): the last hidden state (batch, units), or every step's with <see cref="ReturnSequences"/>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class LstmAttribute(int units) : Attribute
{
    public int Units { get; } = units;
    public bool ReturnSequences { get; set; }
}

/// <summary>Keras' GRU (reset_after) on (batch, time, features): the last hidden state, or every step's with <see cref="ReturnSequences"/>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class GruAttribute(int units) : Attribute
{
    public int Units { get; } = units;
    public bool ReturnSequences { get; set; }
}

/// <summary>Keras' SimpleRNN (tanh) on (batch, time, features): the last hidden state, or every step's with <see cref="ReturnSequences"/>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class SimpleRnnAttribute(int units) : Attribute
{
    public int Units { get; } = units;
    public bool ReturnSequences { get; set; }
}

/// <summary>Keras' Embedding: int64 indices in [0, inputDim) to rows of a trainable (inputDim, outputDim) table.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class EmbeddingAttribute(int inputDim, int outputDim) : Attribute
{
    public int InputDim { get; } = inputDim;
    public int OutputDim { get; } = outputDim;
}
