using ModelDsl.Labs.Optimization;
using ModelDsl.Labs.Regression;
using ModelDsl.Labs.Stock;
using static TorchSharp.torch;

namespace ModelDsl.Labs.Tests;

/// <summary>
/// One seeded run of each lab, pinned to the figures it gave on the reference machine (bit-identical per seed there),
/// so that a change in what the generator emits shows as a changed figure even when every snapshot is accepted.
/// CI runs on another machine of the same kind: the tolerances leave room for rounding, never for a real change.
/// </summary>
internal static class PinnedFigures
{
    /// <summary>
    /// Regression and optimization labs (float32 SGD on a convex quadratic): perturbing every initial weight by 1e-7
    /// relative left all their figures bit-identical, because the descent contracts; 1e-6 is far above rounding.
    /// </summary>
    private const double Contracting = 1e-6;

    /// <summary>
    /// Stock lab: perturbing every initial weight by 1e-6 relative (about 8 float32 ulps, more than another summation
    /// order does) moved the three epochs' figures by at most 2e-6 relative (the SELU MLP, which blows up to millions)
    /// and by at most 1e-7 for the MLP and the LSTM. A dropped term in the LSTM's backward moves the LSTM's figures by
    /// 7e-5 (second epoch's training MAE) to 6e-3 (test MAE) relative.
    /// </summary>
    private const double Stock = 1e-5;

    /// <summary>
    /// Each value within <paramref name="relative"/> of the largest pinned value of its list: rounding is relative to
    /// the magnitudes a computation mixes (a bias of 0.009 beside weights of 0.39 moves by the weights' ulps, 1e-8).
    /// </summary>
    public static void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double relative, string name)
    {
        Assert.True(expected.Count == actual.Count, $"{name}: {actual.Count} values, pinned {expected.Count}");
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= relative * scale,
                $"{name}[{i}] = {actual[i]:R}, pinned {expected[i]:R} (±{relative:E0} relative)");
    }

    /// <summary><c>regression</c>, seed 42, 4 epochs.</summary>
    public static void AssertRegression(RegressionResult r)
    {
        AssertClose([0.04149351641535759, 0.04117909446358681, 0.04247171804308891, 0.041084956377744675], r.EpochLoss, Contracting, "epoch loss");
        AssertClose([0.3031414747238159, 0.30407366156578064, 0.3904944658279419, 0.009231354109942913], [.. r.Weights, r.Bias], Contracting, "w1, w2, w3, b");
    }

    /// <summary><c>optimization --epochs 1</c>, seed 42: the three descents' final losses and the schedules' runs.</summary>
    public static void AssertOptimization(OptimizationResult r)
    {
        AssertClose([0.041172709316015244, 0.04224633052945137, 0.04149351641535759], r.GradientDescentVariants.Select(v => v.Loss[^1]).ToList(),
            Contracting, "final loss of GD, SGD, minibatch SGD");
        var inverse = r.ScheduleTraining.Single(t => t.Schedule == "inverse_time");
        AssertClose([0.04121556878089905], inverse.EpochLoss, Contracting, "inverse_time epoch loss");
        AssertClose([0.29606255888938904, 0.29572150111198425, 0.3908211588859558, 0.04933318868279457], [.. inverse.Weights, inverse.Bias],
            Contracting, "inverse_time w1, w2, w3, b");
        // Overflow steps: the loss grows by a factor well above 1 per step, so rounding cannot move the step it overflows at.
        Assert.Equal(39, r.ScheduleTraining.Single(t => t.Schedule == "piecewise").DivergedAtStep);
        // Except by one step where the loss's own sum overflows float32: the managed backend (the default) sums the loss
        // in double and reports the step after, where the predictions themselves overflow; TorchSharp's reports 578.
        Assert.InRange(r.ScheduleTraining.Single(t => t.Schedule == "exponential").DivergedAtStep!.Value, 578, 579);
    }

    /// <summary><c>stock --epochs 3</c>, seed 42, KO 2018: each faithful model's training and validation MAE per epoch and its test MAE, in dollars.</summary>
    public static void AssertStock(StockResult r)
    {
        void Model(string name, double[] train, double[] val, double test)
        {
            var m = r.Models.Single(x => x.Name == name && x.Variant == "faithful");
            AssertClose(train, m.TrainMae, Stock, $"{name} train MAE");
            AssertClose(val, m.ValMae, Stock, $"{name} val MAE");
            AssertClose([test], [m.TestMae], Stock, $"{name} test MAE");
        }
        Model("mlp", [41.80256652832031, 36.03260040283203, 26.805809020996094], [46.1373405456543, 44.84797286987305, 40.03857421875], 37.795753479003906);
        Model("selu_mlp", [9017905, 3375950.5, 13080821], [2696188, 10326902, 2503811], 3697493.25);
        Model("lstm", [39.821067810058594, 37.82249069213867, 36.591644287109375], [42.70660400390625, 42.41666793823242, 41.1981086730957], 45.3289794921875);
    }

    /// <summary>
    /// Issue 8's sequence models, each trained alone by <c>StockLab.TrainImproved</c> for 5 epochs (early stopping cannot
    /// stop before) on a fresh <c>ImprovedWindows</c> of KO 2018, seed 42: training and validation MAE per epoch and test MAE.
    /// Perturbing every initial weight by 1e-6 relative moved these figures by at most 6e-7 relative. Mutations of the
    /// runtime's backward kernels moved every figure after the first (the first epoch's training MAE, taken before the
    /// only update of that epoch) by more than the tolerance: GRU with its second bias row's gradient zeroed by 2e-4 to
    /// 3e-3, GRU with its recurrent kernel's gradient negated by 6e-3 to 4e-2, Conv1D with its kernel's gradient negated
    /// by 2e-2 to 0.2; Conv1D with its bias' gradient negated failed at conv1d_improved's second training MAE (1.5e-3).
    /// </summary>
    public static void AssertStockSequenceModels(Func<Func<Tensor, StockModel>, StockModelResult> run)
    {
        void Model(string name, Func<Tensor, StockModel> make, double[] train, double[] val, double test)
        {
            var m = run(make);
            Assert.Equal(name, m.Name);
            AssertClose(train, m.TrainMae, Stock, $"{name} train MAE");
            AssertClose(val, m.ValMae, Stock, $"{name} val MAE");
            AssertClose([test], [m.TestMae], Stock, $"{name} test MAE");
        }
        var adam = () => new Optimizers.Adam(0.001);
        Model("gru_improved", rows => LabModels.StockGru(42, rows, adam()),
            [0.990603214126826, 0.9761686187005089, 0.9618197936790283, 0.9479236519406001, 0.9347474042618596],
            [0.7467603618268297, 0.7545240937201368, 0.7639800657387773, 0.7743639430552871, 0.7866181632648859], 1.311735566597577);
        Model("stacked_lstm_improved", rows => LabModels.StockStackedLstm(42, rows, adam()),
            [1.0379133599089838, 1.03005684172711, 1.0224470525413936, 1.0151523058870886, 1.0080892991478407],
            [0.7081349923769357, 0.7099986657300066, 0.7119466739489536, 0.7139998976338472, 0.7161696997632954], 1.1453920487271947);
        Model("conv1d_improved", rows => LabModels.StockConv1D(42, rows, adam()),
            [1.3825212587166535, 1.3544963732935658, 1.3270224128446253, 1.3002321154486491, 1.2736811578764617],
            [0.7825586151346844, 0.7907606285758658, 0.7989765787015525, 0.8071501639306012, 0.8148675209673072], 1.4031628407412506);
    }
}
