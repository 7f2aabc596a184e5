using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>
/// What the LSTM, GRU and SimpleRNN kernels share: argument checks, the time-major layout, the output of either
/// return_sequences setting and the gradient arriving on it, and the gradients that are one matrix product over all
/// steps. Every kernel keeps its states in a (T + 1, N, u) buffer whose row 0 is the zero initial state, so the
/// states before each step are the contiguous rows [0, T) and the states after it the rows [1, T].
/// </summary>
internal static class RecurrentSteps
{
    /// <summary>
    /// Checks x (N, T, F) with T ≥ 1, kernel (F, gates·u), recurrentKernel (u, gates·u) and a bias of
    /// <paramref name="biasRows"/> rows (0: a vector (gates·u)); all float32 or float64 of one dtype, on one device.
    /// Returns (N, T, F, u).
    /// </summary>
    public static (long Batch, long Time, long Features, long Units) Check(string layer, int gates,
        Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor bias, int biasRows)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(recurrentKernel);
        ArgumentNullException.ThrowIfNull(bias);
        if (x.dim() == 3 && x.size(1) < 1)
            throw new ArgumentException($"{layer} input needs at least one time step; got {Shape(x)} (0 time steps).", nameof(x));
        ConvolutionGeometry.CheckInput(layer, x, 3, "(batch, time, features)");
        string g = gates == 1 ? "u" : $"{gates}u";
        if (recurrentKernel.dim() != 2 || recurrentKernel.size(0) < 1 || recurrentKernel.size(1) != gates * recurrentKernel.size(0))
            throw new ArgumentException($"{layer} recurrent kernel must be (u, {g}); got {Shape(recurrentKernel)}.", nameof(recurrentKernel));
        long units = recurrentKernel.size(0), width = recurrentKernel.size(1), features = x.size(2);
        if (kernel.dim() != 2 || kernel.size(0) != features || kernel.size(1) != width)
            throw new ArgumentException($"{layer} kernel must be (features, {g}) = [{features}, {width}] for input {Shape(x)} " +
                $"and recurrent kernel {Shape(recurrentKernel)}; got {Shape(kernel)}.", nameof(kernel));
        bool biasFits = biasRows == 0 ? ConvolutionGeometry.HasShape(bias, [width]) : ConvolutionGeometry.HasShape(bias, [biasRows, width]);
        if (!biasFits)
            throw new ArgumentException($"{layer} bias must be {(biasRows == 0 ? $"({g}) = [{width}]" : $"({biasRows}, {g}) = [{biasRows}, {width}]")}; " +
                $"got {Shape(bias)}.", nameof(bias));
        ConvolutionGeometry.CheckLike(layer, x, kernel, nameof(kernel));
        ConvolutionGeometry.CheckLike(layer, x, recurrentKernel, nameof(recurrentKernel));
        ConvolutionGeometry.CheckLike(layer, x, bias, nameof(bias));
        return (x.size(0), x.size(1), features, units);
    }

    /// <summary>x (N, T, F) as time-major rows (T·N, F), contiguous: row t·N + n is x[n, t].</summary>
    public static Tensor TimeMajorRows(Tensor x) => x.transpose(0, 1).reshape(x.size(0) * x.size(1), x.size(2));

    /// <summary>A zero-initial-state buffer (T + 1, N, u) in x's dtype and device: row 0 zero, the rest uninitialised.</summary>
    public static Tensor States(Tensor x, long units)
    {
        var states = empty(x.size(1) + 1, x.size(0), units, dtype: x.dtype, device: x.device);
        states[0].zero_();
        return states;
    }

    /// <summary>The layer's output from the states (T + 1, N, u): h_T (N, u), or every h_t (N, T, u) with sequences.</summary>
    public static Tensor Output(Tensor states, bool returnSequences)
    {
        long time = states.size(0) - 1;
        return returnSequences ? states.narrow(0, 1, time).transpose(0, 1).contiguous() : states[time];
    }

    /// <summary>
    /// Checks dOutput against the output's shape and dtype, and returns the gradient arriving on every step's h as a
    /// fresh time-major buffer (T, N, u) the backward may write into: every step's gradient with sequences, else zeros
    /// but for the last step.
    /// </summary>
    public static Tensor Upstream(string layer, Tensor dOutput, Tensor states, bool returnSequences)
    {
        ArgumentNullException.ThrowIfNull(dOutput);
        long time = states.size(0) - 1, batch = states.size(1), units = states.size(2);
        if (!(returnSequences ? ConvolutionGeometry.HasShape(dOutput, [batch, time, units]) : ConvolutionGeometry.HasShape(dOutput, [batch, units])))
        {
            string expected = returnSequences ? $"[{batch}, {time}, {units}] (batch, time, units)" : $"[{batch}, {units}] (batch, units)";
            string hint = returnSequences ? "the forward returned every step" : "the forward returned the last step only";
            throw new ArgumentException($"{layer} dOutput must have the output's shape {expected}: {hint}; got {Shape(dOutput)}.", nameof(dOutput));
        }
        ConvolutionGeometry.CheckLike(layer, states, dOutput, nameof(dOutput));
        if (returnSequences)
        {
            // A copy even where the transposed view is already contiguous (batch 1): the backward writes into it.
            var timeMajor = dOutput.transpose(0, 1);
            return timeMajor.is_contiguous() ? timeMajor.clone() : timeMajor.contiguous();
        }
        var upstream = zeros(time, batch, units, dtype: states.dtype, device: states.device);
        upstream[time - 1].copy_(dOutput);
        return upstream;
    }

    /// <summary>
    /// The gradients that are one matrix product over all steps, from the pre-activation gradients as rows (T·N, width):
    /// of the input side x·W (<paramref name="inputSide"/>) and of the recurrent side h₋·U (<paramref name="recurrentSide"/>,
    /// the same tensor but for the GRU). Returns dx (N, T, F) = inputSide·Wᵀ (null without <paramref name="inputGradient"/>), dW = Σ_t x_tᵀ·inputSide_t and
    /// dU = Σ_t h_{t−1}ᵀ·recurrentSide_t, in the kernel's internal layout.
    /// </summary>
    public static (Tensor? Input, Tensor Kernel, Tensor RecurrentKernel) Products(Tensor inputSide, Tensor recurrentSide,
        Tensor inputRows, Tensor kernel, Tensor states, bool inputGradient = true)
    {
        long time = states.size(0) - 1, batch = states.size(1), units = states.size(2);
        var input = inputGradient ? inputSide.mm(kernel.t()).view(time, batch, kernel.size(0)).transpose(0, 1).contiguous() : null;
        var previousStates = states.narrow(0, 0, time).view(time * batch, units);    // h_0 .. h_{T−1}
        return (input, inputRows.t().mm(inputSide), previousStates.t().mm(recurrentSide));
    }

    /// <summary>
    /// <paramref name="weight"/> with the block [start, start + length) along <paramref name="dim"/> multiplied by
    /// <paramref name="factor"/>: a copy, or the tensor itself with <paramref name="inPlace"/>. The kernels double the
    /// weights of a tanh block, so that tanh(z) = 2σ(2z) − 1 comes from a sigmoid, and double that block's gradient back.
    /// </summary>
    public static Tensor Scaled(Tensor weight, long dim, long start, long length, Scalar factor, bool inPlace = false)
    {
        var result = inPlace ? weight : weight.clone();
        result.narrow(dim, start, length).mul_(factor);
        return result;
    }

    /// <summary>"[2, 3, 5]", as the other kernels write shapes.</summary>
    private static string Shape(Tensor t) => ConvolutionGeometry.Shape(t);
}
