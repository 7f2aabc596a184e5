using BenchmarkDotNet.Running;
using ModelDsl.Benchmarks;

// `--verify`: checks the managed prototypes (and the autograd steps) against the generated steps and exits non-zero
// on a mismatch. Anything else goes to BenchmarkDotNet, e.g. `-- --filter '*'`.
if (args is ["--verify"])
    return Verification.Run(Console.Out);
// `--lstm-cpu [rounds]`: the LSTM kernel against nn.LSTM, interleaved, by thread CPU time (see LstmInterleaved).
if (args is ["--lstm-cpu", ..])
    return LstmInterleaved.Run(Console.Out, args.Length > 1 ? int.Parse(args[1]) : 15);
// `--generator [ROOT]`: the generator over 100+ models, cold and after an unrelated edit (see GeneratorTiming).
if (args is ["--generator", ..])
    return GeneratorTiming.Run(Console.Out, args.Length > 1 ? args[1] : null);
// `--crossover`: managed against TorchSharp over batch sizes, where Auto's threshold comes from (see Crossover).
if (args is ["--crossover"])
    return Crossover.Run(Console.Out);
// `--loop MODEL BACKEND SECONDS`: one model's train step in a loop, for a profiler (see Quick.Loop).
if (args is ["--loop", var loopModel, var loopBackend, var loopSeconds])
    return Quick.Loop(Console.Out, loopModel, loopBackend, double.Parse(loopSeconds, System.Globalization.CultureInfo.InvariantCulture));
// `--quick [--json PATH]`: every model's train step by backend and threads against autograd, interleaved, medians (see Quick).
if (args is ["--quick", ..])
{
    int json = Array.IndexOf(args, "--json");
    if (json >= 0 && json + 1 >= args.Length)
    {
        Console.Error.WriteLine("--json needs a path");
        return 2;
    }
    return Quick.Run(Console.Out, json >= 0 ? args[json + 1] : null);
}

BenchmarkSwitcher.FromAssembly(typeof(Verification).Assembly).Run(args);
return 0;
