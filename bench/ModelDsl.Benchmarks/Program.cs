using BenchmarkDotNet.Running;
using ModelDsl.Benchmarks;

// `--verify`: checks the managed prototypes (and the autograd steps) against the generated steps and exits non-zero
// on a mismatch. Anything else goes to BenchmarkDotNet, e.g. `-- --filter '*'`.
if (args is ["--verify"])
    return Verification.Run(Console.Out);

BenchmarkSwitcher.FromAssembly(typeof(Verification).Assembly).Run(args);
return 0;
