// A consumer of the packed ModelDsl packages: nothing here knows about native libraries.
using TorchSharp;

var status = ModelDsl.TorchRuntime.Initialize();
using var x = torch.arange(1, 5, dtype: torch.float64);
Console.WriteLine($"packed consumer: native repair {status}, sum {x.sum().item<double>()}");
if (x.sum().item<double>() != 10.0) return 1;
return 0;
