namespace ModelDsl;

/// <summary>
/// The value of a <see cref="DifferentiableAttribute">[Differentiable]</see> function of several parameters and its
/// gradient at the same point, as <c>NameWithGradient(x, y, ...)</c> returns them. <typeparamref name="TGradient"/> is
/// the record generated beside the function, <c>NameGradientValue</c>, with one member per parameter
/// (<c>r.Gradient.X</c>). C# may also deconstruct it: <c>var (value, gradient) = ...</c>.
/// </summary>
/// <typeparam name="T"><c>double</c> or <c>float</c>, the function's type.</typeparam>
/// <typeparam name="TGradient">The generated gradient record.</typeparam>
/// <param name="Value">f(x, y, ...).</param>
/// <param name="Gradient">(∂f/∂x, ∂f/∂y, ...).</param>
public readonly record struct ValueAndGradient<T, TGradient>(T Value, TGradient Gradient);
