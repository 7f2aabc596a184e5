using ModelDsl.Labs.Optimization;
using ModelDsl.Labs.Regression;
using ModelDsl.Labs.Stock;

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

    public static void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double relative, string name)
    {
        Assert.True(expected.Count == actual.Count, $"{name}: {actual.Count} values, pinned {expected.Count}");
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= relative * Math.Abs(expected[i]),
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
        Assert.Equal(578, r.ScheduleTraining.Single(t => t.Schedule == "exponential").DivergedAtStep);
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
}
