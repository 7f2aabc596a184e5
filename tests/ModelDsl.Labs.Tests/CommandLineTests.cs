using System.Text.Json;

namespace ModelDsl.Labs.Tests;

public class CommandLineTests
{
    [Theory]
    [InlineData(new string[0], "missing the lab name")]
    [InlineData(new[] { "regresion" }, "unknown lab 'regresion'")]
    [InlineData(new[] { "stock", "--epochs", "0" }, "--epochs expects a positive integer")]
    [InlineData(new[] { "stock", "--epochs" }, "option --epochs needs a value")]
    [InlineData(new[] { "stock", "--seed", "x" }, "--seed expects an integer")]
    [InlineData(new[] { "stock", "--csv", "/no/such/file.csv" }, "no such file")]
    [InlineData(new[] { "stock", "--from", "2018-13-01" }, "--from expects a date")]
    [InlineData(new[] { "stock", "--from", "2019-01-01", "--to", "2018-01-01" }, "is after --to")]
    [InlineData(new[] { "stock", "--verbose" }, "unknown option '--verbose'")]
    public void Bad_arguments_give_a_clear_error_and_exit_code_2(string[] args, string message)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(2, LabRunner.Execute(args, stdout, stderr));
        Assert.Contains(message, stderr.ToString());
        Assert.Contains("usage:", stderr.ToString());
    }

    [Fact]
    public void Options_parse()
    {
        var o = LabOptions.Parse(["stock", "--epochs", "7", "--seed", "-3", "--out", "o", "--json", "r.json", "--from", "2010-01-04", "--offline"]).Options!;
        Assert.Equal(new LabOptions(LabName.Stock, 7, -3, null, "o", "r.json", new DateOnly(2010, 1, 4), null, true), o);
    }

    [Fact]
    public void Regression_json_has_the_agreed_shape()
    {
        string dir = LabData.OutDir();
        string json = Path.Combine(dir, "r.json");
        Assert.Equal(0, LabRunner.Execute(["regression", "--epochs", "1", "--out", dir, "--json", json], new StringWriter(), new StringWriter()));
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.Equal("regression", root.GetProperty("lab").GetString());
        Assert.Equal(1, root.GetProperty("epoch_loss").GetArrayLength());
        Assert.Equal(3, root.GetProperty("weights").GetArrayLength());
        Assert.Equal(JsonValueKind.Number, root.GetProperty("bias").ValueKind);
    }

    [Fact]
    public void All_writes_one_object_with_every_lab()
    {
        string dir = LabData.OutDir();
        string json = Path.Combine(dir, "all.json");
        var stdout = new StringWriter();
        Assert.Equal(0, LabRunner.Execute(["all", "--epochs", "1", "--csv", LabData.Ko2018, "--out", dir, "--json", json, "--no-plots"], stdout, new StringWriter()));
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.Equal(["regression", "optimization", "stock", "classification"], root.EnumerateObject().Select(p => p.Name));
        var cosh = root.GetProperty("optimization").GetProperty("cosh_table");
        Assert.Equal(20, cosh.GetArrayLength());
        Assert.Equal(["x", "alpha", "f", "grad", "next"], cosh[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(["exponential", "piecewise", "polynomial", "inverse_time"],
            root.GetProperty("optimization").GetProperty("schedules").EnumerateObject().Select(p => p.Name));
        var stock = root.GetProperty("stock");
        Assert.Equal("file", stock.GetProperty("data").GetString());
        Assert.Equal(251, stock.GetProperty("rows").GetInt32());
        Assert.Equal(101, stock.GetProperty("windows").GetProperty("train").GetInt32());
        Assert.Equal(38, stock.GetProperty("windows").GetProperty("val").GetInt32());
        Assert.Equal(4, stock.GetProperty("windows").GetProperty("test").GetInt32());
        var model = stock.GetProperty("models")[0];
        foreach (var key in new[] { "name", "params", "test_mae", "train_mae", "val_mae", "summary" }) Assert.True(model.TryGetProperty(key, out _), key);
        Assert.Equal(JsonValueKind.Number, stock.GetProperty("baselines").GetProperty("persistence_mae").ValueKind);
        Assert.Equal(JsonValueKind.Number, stock.GetProperty("baselines").GetProperty("train_mean_mae").ValueKind);
        Assert.Contains("Total params: 2,044", model.GetProperty("summary").GetString());
    }
}
