using System.Text.Json;
using ModelDsl.Labs.Stock;

namespace ModelDsl.Labs.Tests;

/// <summary>Determinism is a property of the lab: the same seed gives the same bits, another seed does not.</summary>
public class DeterminismTests
{
    private static (StockResult Result, string Json) RunStock(int seed)
    {
        var options = new LabOptions(LabName.Stock, Epochs: 2, Seed: seed, Csv: LabData.Ko2018, Plots: false);
        var r = StockLab.Run(options, new StringWriter());
        return (r, JsonSerializer.Serialize(r, LabRunner.Json));
    }

    private static long[] Bits(IEnumerable<double> values) => values.Select(BitConverter.DoubleToInt64Bits).ToArray();

    [Fact]
    public void Stock_lab_run_twice_with_one_seed_gives_bit_identical_results_and_another_seed_differs()
    {
        var (a, jsonA) = RunStock(42);
        var (b, jsonB) = RunStock(42);
        Assert.Equal(a.Models.Count, b.Models.Count);
        for (int i = 0; i < a.Models.Count; i++)
        {
            var (ma, mb) = (a.Models[i], b.Models[i]);
            Assert.Equal(BitConverter.DoubleToInt64Bits(ma.TestMae), BitConverter.DoubleToInt64Bits(mb.TestMae));
            Assert.Equal(Bits(ma.TrainMae), Bits(mb.TrainMae));
            Assert.Equal(Bits(ma.ValMae), Bits(mb.ValMae));
            Assert.Equal(ma.BestEpoch, mb.BestEpoch);
        }
        // Doubles are written round-trippable, so equal JSON text is equal bits everywhere else too.
        Assert.Equal(jsonA, jsonB);

        var (c, jsonC) = RunStock(7);
        Assert.NotEqual(jsonA, jsonC);
        Assert.All(a.Models.Zip(c.Models), p => Assert.NotEqual(Bits(p.First.ValMae), Bits(p.Second.ValMae)));
    }
}
