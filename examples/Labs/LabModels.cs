using ModelDsl.Examples;
using ModelDsl.Labs.Regression;
using ModelDsl.Labs.Stock;
using ModelDsl.Optimizers;
using ModelDsl.Training;
using static TorchSharp.torch;

namespace ModelDsl.Labs;

/// <summary>The one place the labs touch the generated models (examples/ModelDsl.Examples, plus <see cref="ReportSeluMlp"/>).</summary>
public static class LabModels
{
    /// <summary>The generated <see cref="GradesRegression"/> (RandomNormal(0.01) weights, zero bias) with the given optimizer.</summary>
    public static GradesRegression Grades(int seed, Optimizer optimizer) => new(seed) { Optimizer = optimizer };

    /// <summary>The weights and bias of a trained <see cref="GradesRegression"/>.</summary>
    public static LinearFit LinearWeights(ITrainableModel model)
    {
        if (model is not GradesRegression g) throw new ArgumentException($"expected a GradesRegression, got {model.GetType().Name}", nameof(model));
        return new LinearFit(ToDoubles(g.Weights.W), ToDoubles(g.Weights.B)[0]);
    }

    /// <summary>cosh(πx/4) and its generated derivative.</summary>
    public static double CoshQuarter(double x) => OptimizationFunctions.CoshBowl(x);
    public static double CoshQuarterDerivative(double x) => OptimizationFunctions.CoshBowlDerivative(x);

    /// <summary>sin(3πx)/x and its generated derivative.</summary>
    public static double Sinc(double x) => OptimizationFunctions.SinOverX(x);
    public static double SincDerivative(double x) => OptimizationFunctions.SinOverXDerivative(x);

    /// <summary>The generated <see cref="Examples.StockMlp"/>, its Normalization adapted on <paramref name="adaptOn"/>; Adam 0.1 unless given.</summary>
    public static StockModel StockMlp(int seed, Tensor adaptOn, Optimizer? optimizer = null)
    {
        var m = new Examples.StockMlp(seed);
        return Adapted("mlp", "Normalization + Flatten + Dense(16, relu) + Dense(1)", m, m.Adapt, adaptOn, optimizer, m.Predict,
            Examples.StockMlp.ParameterCount, m.Summary);
    }

    /// <summary>The report's SELU MLP (GlorotUniform kernels, as Keras' default); Adam 0.08 unless given.</summary>
    public static StockModel StockSeluMlp(int seed, Optimizer? optimizer = null)
    {
        var m = new ReportSeluMlp(seed);
        if (optimizer is not null) m.Optimizer = optimizer;
        return Describe("selu_mlp", "Flatten + 3×Dense(16, selu) + Dense(1)", m, m.Predict, ReportSeluMlp.ParameterCount, m.Optimizer, m.Summary());
    }

    /// <summary>The generated <see cref="Examples.StockSeluMlp"/>: LeCun-normal kernels for SELU.</summary>
    public static StockModel StockSeluMlpLecun(int seed, Optimizer optimizer)
    {
        var m = new Examples.StockSeluMlp(seed) { Optimizer = optimizer };
        return Describe("selu_mlp", "Flatten + 3×Dense(16, selu, LecunNormal) + Dense(1)", m, m.Predict, Examples.StockSeluMlp.ParameterCount, m.Optimizer, m.Summary());
    }

    /// <summary>The generated <see cref="Examples.StockLstm"/>, its Normalization adapted on <paramref name="adaptOn"/>; Adam 0.1 unless given.</summary>
    public static StockModel StockLstm(int seed, Tensor adaptOn, Optimizer? optimizer = null)
    {
        var m = new Examples.StockLstm(seed);
        return Adapted("lstm", "Normalization + LSTM(16) + Dense(1)", m, m.Adapt, adaptOn, optimizer, m.Predict, Examples.StockLstm.ParameterCount, m.Summary);
    }

    /// <summary>The generated <see cref="Examples.StockGru"/> (Keras' GRU, reset_after), its Normalization adapted on <paramref name="adaptOn"/>; Adam 0.001 unless given.</summary>
    public static StockModel StockGru(int seed, Tensor adaptOn, Optimizer? optimizer = null)
    {
        var m = new Examples.StockGru(seed);
        return Adapted("gru", "Normalization + GRU(16) + Dense(1)", m, m.Adapt, adaptOn, optimizer, m.Predict, Examples.StockGru.ParameterCount, m.Summary);
    }

    /// <summary>The generated <see cref="Examples.StockStackedLstm"/> (LSTM(16) returning every step, then LSTM(8)), its
    /// Normalization adapted on <paramref name="adaptOn"/>; Adam 0.001 unless given.</summary>
    public static StockModel StockStackedLstm(int seed, Tensor adaptOn, Optimizer? optimizer = null)
    {
        var m = new Examples.StockStackedLstm(seed);
        return Adapted("stacked_lstm", "Normalization + LSTM(16, every step) + LSTM(8) + Dense(1)", m, m.Adapt, adaptOn, optimizer, m.Predict,
            Examples.StockStackedLstm.ParameterCount, m.Summary);
    }

    /// <summary>The generated <see cref="Examples.StockConv1D"/> (causal Conv1D, global average over the steps), its
    /// Normalization adapted on <paramref name="adaptOn"/>; Adam 0.001 unless given.</summary>
    public static StockModel StockConv1D(int seed, Tensor adaptOn, Optimizer? optimizer = null)
    {
        var m = new Examples.StockConv1D(seed);
        return Adapted("conv1d", "Normalization + Conv1D(16, 5, causal, relu) + GlobalAveragePooling1D + Dense(1)", m, m.Adapt, adaptOn, optimizer, m.Predict,
            Examples.StockConv1D.ParameterCount, m.Summary);
    }

    /// <summary>A generated model with a Normalization layer: adapted on <paramref name="adaptOn"/>, then given <paramref name="optimizer"/>
    /// (when not null; else it keeps its declared one).</summary>
    private static StockModel Adapted(string name, string label, ICheckpointable model, Action<Tensor> adapt, Tensor adaptOn, Optimizer? optimizer,
        Func<Tensor, Tensor> predict, ParameterCount count, Func<string> summary)
    {
        adapt(adaptOn);
        if (optimizer is not null) model.Optimizer = optimizer;
        return Describe(name, label, model, predict, count, model.Optimizer, summary());
    }

    private static StockModel Describe(string name, string label, ITrainableModel model, Func<Tensor, Tensor> predict, ParameterCount count,
        Optimizer optimizer, string summary)
    {
        double lr = optimizer.LearningRate.At(0);
        return new StockModel(name, label, model, predict, count.Total, count.Trainable, $"{optimizer.GetType().Name}({lr:0.####})", lr, summary);
    }

    private static double[] ToDoubles(Tensor t)
    {
        using var d = t.detach().to_type(ScalarType.Float64).contiguous();
        return d.data<double>().ToArray();
    }
}
