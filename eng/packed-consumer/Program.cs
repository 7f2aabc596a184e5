// A consumer of the packed ModelDsl packages: nothing here knows about native libraries or the generator's internals.
using ModelDsl;
using ModelDsl.Data;
using ModelDsl.Kernels;
using TorchSharp;
using static ModelDsl.Ops;
using static TorchSharp.torch;

// The first statement is a plain torch call: the module initializer the generator writes into this assembly has
// already repaired TorchSharp's native loading where the system needs it.
var x = linspace(-1, 1, 64).reshape(64, 1);
var status = TorchRuntime.Status;
var y = 2 * x - 1;
var model = new Line(seed: 1);
var history = model.Fit(new TensorDataset(x, y, batchSize: 16, shuffle: true, seed: 1), epochs: 60);
double first = history["loss"][0], last = history["loss"][^1];
Console.WriteLine($"packed consumer: native repair {status}; loss {first:F4} -> {last:F6}; {Line.ParameterCount.Total} parameters");
// NameWithDerivative returns the runtime record ValueAndDerivative<double>: named members, and C# deconstruction.
ValueAndDerivative<double> square = OptimizationMath.SquareWithDerivative(3.0);
var (value, slope) = square;
bool derivativeOk = OptimizationMath.SquareDerivative(3.0) == 6.0 && square is { Value: 9.0, Derivative: 6.0 } && (value, slope) == (9.0, 6.0);
Console.WriteLine(derivativeOk ? "generated derivative ok" : "generated derivative WRONG");
return last < first / 100 && derivativeOk ? 0 : 1;

[Model(1)]
[Sgd(0.1)]
public partial class Line
{
    [Dense(1)] private partial Tensor Output(Tensor x);
    [Forward] private Tensor Call(Tensor x) => Output(x);
}

public static partial class OptimizationMath
{
    [Differentiable] public static double Square(double x) => x * x;
}
