namespace ModelDsl;

/// <summary>
/// The value of a one-parameter <see cref="DifferentiableAttribute">[Differentiable]</see> function and its derivative
/// at the same point, as <c>NameWithDerivative(x)</c> returns them. Named in every .NET language (F#:
/// <c>r.Value</c>, <c>r.Derivative</c>); C# may also deconstruct it: <c>var (value, derivative) = ...</c>.
/// </summary>
/// <typeparam name="T"><c>double</c> or <c>float</c>, the function's type.</typeparam>
/// <param name="Value">f(x).</param>
/// <param name="Derivative">f′(x).</param>
public readonly record struct ValueAndDerivative<T>(T Value, T Derivative);
