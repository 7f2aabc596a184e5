// A C# class library that references only the ModelDsl package; the F# script trains its generated model.
namespace Consumer;

[Model(1)]
[Sgd(0.1)]
public partial class Line
{
    [Dense(1)] private partial Tensor Output(Tensor x);
    [Forward] private Tensor Call(Tensor x) => Output(x);
}
