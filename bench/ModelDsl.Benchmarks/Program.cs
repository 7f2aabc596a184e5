using BenchmarkDotNet.Running;
using ModelDsl.Benchmarks;

// `--verify`: checks the managed prototypes (and the autograd steps) against the generated steps and exits non-zero
// on a mismatch. Anything else goes to BenchmarkDotNet, e.g. `-- --filter '*'`.
if (args is ["--verify"])
    return Verification.Run(Console.Out);
// `--lstm-cpu [rounds]`: the LSTM kernel against nn.LSTM, interleaved, by thread CPU time (see LstmInterleaved).
if (args is ["--lstm-cpu", ..])
    return LstmInterleaved.Run(Console.Out, args.Length > 1 ? int.Parse(args[1]) : 15);

BenchmarkSwitcher.FromAssembly(typeof(Verification).Assembly).Run(args);
return 0;
