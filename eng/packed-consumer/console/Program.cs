// A fresh console project (`dotnet new console`) whose only reference is `dotnet add package ModelDsl`: no using lines
// (the package's global usings), no native set-up (the generator's module initializer), and a plain torch call first.
torch.manual_seed(42);
var x = torch.rand(2_000, 3) * 5;                                      // three grades, uniform in [0, 5)
var y = x.matmul(torch.tensor(new[] { 0.3f, 0.3f, 0.4f }).reshape(3, 1)) + torch.randn(2_000, 1) * 0.2f;

var model = new GradesRegression(seed: 42);                             // the README's model, declared below
History history = model.Fit(new TensorDataset(x, y, batchSize: 8, shuffle: true, seed: 42), epochs: 4);
double loss = history["loss"][^1];
Console.WriteLine($"packed consumer: GradesRegression trained {history.Epochs} epochs, loss {loss:F4} (noise floor 0.04)");
return loss < 0.06 ? 0 : 1;

[Model(3)]
[Sgd(0.002)]
public partial class GradesRegression      // the textbook's y = Xw + b, with raw parameters
{
    [Parameter(3, 1, Initializer = Init.RandomNormal, Stddev = 0.01)] private partial Tensor W { get; }
    [Parameter(1, Initializer = Init.Zeros)] private partial Tensor B { get; }

    [Forward] private Tensor Call(Tensor x) => MatMul(x, W) + B;
}
