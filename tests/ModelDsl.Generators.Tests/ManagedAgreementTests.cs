using ModelDsl.Examples;
using ModelDsl.Generators.Tests.Models;
using ModelDsl.Managed;
using ModelDsl.Training;
using TorchSharp;
using static TorchSharp.torch;
using static ModelDsl.Generators.Tests.Infrastructure.Reference;

namespace ModelDsl.Generators.Tests;

/// <summary>
/// The two backends of every generated model that has a managed one: from the same seeded weights and the same
/// batches, 50 training steps on each give the same losses, metrics and weights (float64: 1e-10 relative, float32:
/// 1e-5), and the managed Backward gives the TorchSharp backend's gradients (which the gradient tests hold to autograd).
/// </summary>
public class ManagedAgreementTests
{
    private const int Steps = 50, Batch = 12;

    /// <summary>A model of the catalogue, how to make one and the batches it trains on.</summary>
    public sealed record Case(string Name, Func<int, ScalarType, IManagedModel> Create, Func<ulong, ScalarType, (Tensor X, Tensor Y)> Data)
    {
        public override string ToString() => Name;
    }

    private static Tensor Features(ulong seed, ScalarType dtype, params long[] shape) => Random(seed, shape).to_type(dtype);

    private static (Tensor, Tensor) Regression(ulong seed, ScalarType dtype, long outputs, params long[] sample)
        => (Features(seed, dtype, [Batch, .. sample]), Features(seed + 1000, dtype, Batch, outputs));

    private static (Tensor, Tensor) Classes(ulong seed, ScalarType dtype, long classes, params long[] sample)
        => (Features(seed, dtype, [Batch, .. sample]), randint(classes, [Batch], ScalarType.Int64, generator: new Generator(seed + 1000)));

    /// <summary>Stock windows whose columns have the scale of prices and volumes, so Normalization has work to do.</summary>
    private static Tensor Quotes(ulong seed, long windows, ScalarType dtype)
        => (Random(seed, windows, 25, 5) * tensor(new double[] { 2, 2, 2, 2, 1e5 }) + tensor(new double[] { 45, 46, 44, 45, 1e6 })).to_type(dtype);

    /// <summary>What Normalization adapts to: 64 windows of their own seed.</summary>
    private static Tensor Adapted(ScalarType dtype) => Quotes(99, 64, dtype);

    private static (Tensor, Tensor) Windows(ulong seed, ScalarType dtype) => (Quotes(seed, Batch, dtype), Features(seed + 1000, dtype, Batch, 1));

    public static TheoryData<Case> Cases => new(
        new Case("GradesRegression", (s, d) => new GradesRegression(s, d), (s, d) => Regression(s, d, 1, 3)),
        new Case("StockMlp", (s, d) => { var m = new StockMlp(s, d); m.AdaptNorm(Adapted(d)); return m; }, Windows),
        // Without a Normalization layer, on standardised windows (raw volumes of 1e6 make a float32 loss of 1e8 whose
        // last digits depend on the order of summation).
        new Case("StockSeluMlp", (s, d) => new StockSeluMlp(s, d), (s, d) => Regression(s, d, 1, 25, 5)),
        new Case("StockLstm", (s, d) => { var m = new StockLstm(s, d); m.AdaptNorm(Adapted(d)); return m; }, Windows),
        new Case("StockGru", (s, d) => { var m = new StockGru(s, d); m.AdaptNorm(Adapted(d)); return m; }, Windows),
        new Case("StockStackedLstm", (s, d) => { var m = new StockStackedLstm(s, d); m.AdaptNorm(Adapted(d)); return m; }, Windows),
        new Case("StockConv1D", (s, d) => { var m = new StockConv1D(s, d); m.AdaptNorm(Adapted(d)); return m; }, Windows),
        new Case("DigitsMlp", (s, d) => new DigitsMlp(s, d), (s, d) => Classes(s, d, 10, 64)),
        new Case("DigitsCnn", (s, d) => new DigitsCnn(s, d), (s, d) => Classes(s, d, 10, 64)),
        new Case("DigitsRegularizedMlp", (s, d) => new DigitsRegularizedMlp(s, d), (s, d) => Classes(s, d, 10, 64)),
        new Case("BreastCancerLogistic", (s, d) => new BreastCancerLogistic(s, d),
            (s, d) => (Features(s, d, Batch, 30), (Random(s + 1000, Batch, 1) > 0).to_type(d))),
        new Case("StackedRecurrentModel", (s, d) => new StackedRecurrentModel(s, d), (s, d) => Regression(s, d, 2, 6, 3)),
        new Case("Convolution1DModel", (s, d) => new Convolution1DModel(s, d), (s, d) => Regression(s, d, 1, 9, 2)),
        new Case("ConvolutionModel", (s, d) => new ConvolutionModel(s, d), (s, d) => Regression(s, d, 2, 7, 6, 2)),
        new Case("EmbeddingModel", (s, d) => new EmbeddingModel(s, d),
            (s, d) => (randint(10, [Batch, 5], ScalarType.Int64, generator: new Generator(s)), Features(s + 1000, d, Batch, 2))),
        new Case("SiameseModel", (s, d) => new SiameseModel(s, d), (s, d) => Regression(s, d, 1, 3)));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fifty_steps_agree_in_float64(Case c) => Agree(c, ScalarType.Float64, 1e-10);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fifty_steps_agree_in_float32(Case c) => Agree(c, ScalarType.Float32, 1e-5);

    /// <summary>
    /// Tensors whose gradient is zero in exact arithmetic, so that their trajectory is rounding noise magnified by
    /// Adam (m/√v of noise is ±1): a Dense bias followed by BatchNormalization, which subtracts the batch mean.
    /// </summary>
    private static readonly HashSet<(string, string)> RoundingOnly = [("DigitsRegularizedMlp", "HiddenBias"), ("DigitsRegularizedMlp", "NormalizeMovingMean")];

    /// <summary>
    /// Models trained at learning rates of 0.08 and 0.1 (the report's), whose float32 trajectories on the two backends
    /// separate beyond 1e-5 after a dozen steps: the backends sum in different orders, and the rate magnifies one
    /// rounding. For them the float32 test holds the first ten steps to 1e-5 and, after fifty, each backend's weights
    /// to the float64 trajectory: the managed code may be no further from it than twice the TorchSharp code's distance.
    /// </summary>
    private static readonly HashSet<string> Float32Chaotic = ["StockSeluMlp", "StockLstm"];

    private static void Agree(Case c, ScalarType dtype, double tolerance)
    {
        using var scope = NewDisposeScope();
        bool chaotic = dtype == ScalarType.Float32 && Float32Chaotic.Contains(c.Name);
        var torchModel = c.Create(7, dtype);
        var managedModel = c.Create(7, dtype);
        var exact = chaotic ? c.Create(7, ScalarType.Float64) : null;
        torchModel.Backend = Backend.Torch;
        managedModel.Backend = Backend.Managed;
        if (exact is not null) exact.Backend = Backend.Torch;
        for (int step = 0; step < Steps; step++)
        {
            var (x, y) = c.Data((ulong)step, dtype);
            StepResult expected = torchModel.TrainStep(x, y), actual = managedModel.TrainStep(x, y);
            if (exact is not null)
            {
                var (x64, y64) = c.Data((ulong)step, ScalarType.Float64);
                exact.TrainStep(x64, y64);
                if (step >= 10) continue;
            }
            Close(expected.Loss, actual.Loss, tolerance, $"{c.Name} loss at step {step + 1}");
            foreach (var (name, value) in expected.Metrics)
                Close(value, actual.Metrics[name], tolerance, $"{c.Name} {name} at step {step + 1}");
        }
        var managedTensors = Tensors(managedModel);
        var exactTensors = exact is null ? null : Tensors(exact);
        foreach (var named in ((ICheckpointable)torchModel).NamedTensors.Where(t => !RoundingOnly.Contains((c.Name, t.Name))))
        {
            if (exactTensors is null)
            {
                Close(named.Tensor, managedTensors[named.Name], tolerance, $"{c.Name} {named.Name} after {Steps} steps");
                continue;
            }
            Tensor reference = exactTensors[named.Name];
            double torchDistance = (named.Tensor.to_type(ScalarType.Float64) - reference).abs().max().ToDouble();
            double managedDistance = (managedTensors[named.Name].to_type(ScalarType.Float64) - reference).abs().max().ToDouble();
            double scale = Math.Max(reference.abs().max().ToDouble(), 1e-6);
            Assert.True(managedDistance <= 2 * torchDistance + tolerance * scale,
                $"{c.Name} {named.Name}: the managed float32 weights are {managedDistance:E3} from the float64 trajectory, TorchSharp's {torchDistance:E3}");
        }
        if (chaotic) return;

        // Evaluation and prediction from the trained weights (BatchNormalization's moving statistics, no Dropout).
        // A model with rounding-only tensors predicts through them (the moving mean): ten times the tolerance there.
        if (RoundingOnly.Any(r => r.Item1 == c.Name)) tolerance *= 10;
        var (xTest, yTest) = c.Data(1234, dtype);
        StepResult torchTest = torchModel.TestStep(xTest, yTest), managedTest = managedModel.TestStep(xTest, yTest);
        Close(torchTest.Loss, managedTest.Loss, tolerance, $"{c.Name} test loss");
        Close(((dynamic)torchModel).Predict(xTest), ((dynamic)managedModel).Predict(xTest), tolerance, $"{c.Name} Predict");
    }

    private static Dictionary<string, Tensor> Tensors(IManagedModel model) => ((ICheckpointable)model).NamedTensors.ToDictionary(t => t.Name, t => t.Tensor);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Managed_backward_equals_the_torch_backends(Case c)
    {
        using var scope = NewDisposeScope();
        dynamic torchModel = c.Create(11, ScalarType.Float64), managedModel = c.Create(11, ScalarType.Float64);
        var (x, _) = c.Data(5, ScalarType.Float64);
        var trace = torchModel.ForwardWithTrace(x);
        Tensor output = trace.Output;
        Tensor dOutput = Random(6, output.shape);
        var expected = torchModel.Backward(trace, dOutput);
        var actual = managedModel.ManagedBackward(x, dOutput);
        IReadOnlyList<Tensor> expectedTensors = expected.Trainable, actualTensors = actual.Trainable;
        Assert.Equal(expectedTensors.Count, actualTensors.Count);
        for (int i = 0; i < expectedTensors.Count; i++)
            Close(expectedTensors[i], actualTensors[i], 1e-10, $"{c.Name} gradient {i}");
    }

    [Fact]
    public void A_checkpoint_saved_by_the_managed_backend_resumes_on_torchsharp_exactly()
    {
        using var scope = NewDisposeScope();
        string path = Path.Combine(Path.GetTempPath(), $"managed-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var managed = new StockMlp(3, ScalarType.Float64) { Backend = Backend.Managed };
            managed.AdaptNorm(Adapted(ScalarType.Float64));
            for (int step = 0; step < 5; step++) { var (x, y) = Windows((ulong)step, ScalarType.Float64); managed.TrainStep(x, y); }
            managed.Save(path);

            using var resumed = new StockMlp(99, ScalarType.Float64) { Backend = Backend.Torch };
            resumed.Load(path);
            for (int step = 5; step < 10; step++)
            {
                var (x, y) = Windows((ulong)step, ScalarType.Float64);
                Close(managed.TrainStep(x, y).Loss, resumed.TrainStep(x, y).Loss, 1e-10, $"loss at step {step + 1}");
            }
            Close(managed.Weights.OutputKernel, resumed.Weights.OutputKernel, 1e-10, "OutputKernel");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
