using ModelDsl.Kernels;

namespace ModelDsl;

// The declaration vocabulary read by ModelDsl.Generators. The attributes carry no behaviour at run time:
// the generator reads their arguments from syntax and writes the model around them.

/// <summary>Declares a model: the class must be <c>partial</c>; the arguments are the input shape without the batch axis.</summary>
/// <example><c>[Model(25, 5, Loss = Loss.MeanSquaredError, Metrics = [Metric.MeanAbsoluteError])]</c></example>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ModelAttribute(params int[] inputShape) : Attribute
{
    public int[] InputShape { get; } = inputShape;
    public Loss Loss { get; set; } = Loss.MeanSquaredError;
    public Metric[] Metrics { get; set; } = [];
    public double HuberDelta { get; set; } = 1.0;

    /// <summary>For the cross-entropies: the model outputs logits (no sigmoid or softmax), and the loss applies it stably.</summary>
    public bool FromLogits { get; set; }

    /// <summary>
    /// Which code trains and runs the model: <see cref="Backend.Auto"/> (the default) the generated managed code for
    /// batches small enough that it wins, TorchSharp above; <see cref="Backend.Managed"/> or <see cref="Backend.Torch"/>
    /// always. Settable at run time through the model's <c>Backend</c> property.
    /// </summary>
    public Backend Backend { get; set; } = Backend.Auto;
}

/// <summary>The code a generated model trains and runs with (docs/performance.md says when each wins).</summary>
public enum Backend
{
    /// <summary>Managed below <see cref="Managed.ManagedBackend.AutoThreshold"/> multiply-adds a batch on the CPU, TorchSharp otherwise.</summary>
    Auto,
    /// <summary>The generated shape-specialised C# over spans (CPU, float32 or float64).</summary>
    Managed,
    /// <summary>TorchSharp's kernels, on any device.</summary>
    Torch,
}

/// <summary>The model's default optimizer: Adam with Keras' defaults.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class AdamAttribute(double learningRate = 0.001) : Attribute
{
    public double LearningRate { get; } = learningRate;
    public double Beta1 { get; set; } = 0.9;
    public double Beta2 { get; set; } = 0.999;
    public double Epsilon { get; set; } = 1e-7;
}

/// <summary>The model's default optimizer: stochastic gradient descent with Keras' defaults.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class SgdAttribute(double learningRate = 0.01) : Attribute
{
    public double LearningRate { get; } = learningRate;
    public double Momentum { get; set; }
    public bool Nesterov { get; set; }
}

/// <summary>A raw trainable tensor on a <c>partial</c> property <c>Tensor Name { get; }</c>, with its shape and initializer.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class ParameterAttribute(params int[] shape) : Attribute
{
    public int[] Shape { get; } = shape;
    public Init Initializer { get; set; } = Init.GlorotUniform;
    public double Mean { get; set; }
    public double Stddev { get; set; } = 0.05;
    public double Min { get; set; } = -0.05;
    public double Max { get; set; } = 0.05;
    public double Gain { get; set; } = 1.0;
}

/// <summary>The model's default optimizer: Keras' RMSprop (epsilon inside the square root; momentum keeps the rate in its buffer).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class RmsPropAttribute(double learningRate = 0.001) : Attribute
{
    public double LearningRate { get; } = learningRate;
    public double Rho { get; set; } = 0.9;
    public double Momentum { get; set; }
    public double Epsilon { get; set; } = 1e-7;
    public bool Centered { get; set; }
}

/// <summary>The model's default optimizer: Keras' AdamW (Adam with weight decay decoupled from the gradient, 0.004 by default).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class AdamWAttribute(double learningRate = 0.001) : Attribute
{
    public double LearningRate { get; } = learningRate;
    public double Beta1 { get; set; } = 0.9;
    public double Beta2 { get; set; } = 0.999;
    public double Epsilon { get; set; } = 1e-7;
    public double WeightDecay { get; set; } = 0.004;
}

/// <summary>
/// A model's own loss: a method <c>Tensor Name(Tensor prediction, Tensor target)</c> written in the language of the
/// [Forward] body (the target has the prediction's shape); the generator differentiates it. A result with a batch axis
/// is averaged over every element, as Keras' "sum_over_batch_size" reduction does.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class LossAttribute : Attribute;

/// <summary>The model's forward computation: one method <c>Tensor Name(Tensor x)</c> composing layers and tensor operations.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ForwardAttribute : Attribute;

/// <summary>
/// A static method over <c>double</c> or <c>float</c> whose derivative the generator writes beside it
/// (<c>NameDerivative</c> and <c>NameWithDerivative</c>, returning <see cref="ValueAndDerivative{T}"/>; with several
/// parameters <c>NameGradient</c>, returning the generated record <c>NameGradientValue</c>, and <c>NameWithGradient</c>,
/// returning <see cref="ValueAndGradient{T, TGradient}"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class DifferentiableAttribute : Attribute;

/// <summary>Initializers a declaration can name; see <c>ModelDsl.Initializers</c> for their exact definitions.</summary>
public enum Init { Zeros, Ones, RandomNormal, RandomUniform, GlorotUniform, Orthogonal, LecunNormal }
