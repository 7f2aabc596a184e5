using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ModelDsl.Generators.Layers;
using ModelDsl.Generators.Model;

namespace ModelDsl.Generators.Parsing;

/// <summary>
/// One optimizer attribute (<c>[Adam]</c>, <c>[Sgd]</c>, ...): its default learning rate, its named arguments with
/// Keras' defaults and valid ranges, and the runtime optimizer they construct (<c>ModelDsl.Optimizers.{Name}</c>,
/// whose constructor takes a schedule and then these arguments by name).
/// </summary>
internal sealed class OptimizerDefinition(string name, double learningRate, params OptimizerOption[] options)
{
    public string Name { get; } = name;
    public double LearningRate { get; } = learningRate;
    public IReadOnlyList<OptimizerOption> Options { get; } = options;

    public OptimizerDeclaration Read(AttributeReader attribute)
    {
        var reader = new LayerArgumentReader(attribute, $"[{Name}]");
        reader.Double("LearningRate", LearningRate, r => r > 0 && !double.IsInfinity(r), "give a finite learning rate greater than 0", position: 0);
        foreach (OptimizerOption option in Options)
        {
            if (option.Valid is null) reader.Bool(option.Property, option.Default != 0);
            else reader.Double(option.Property, option.Default, option.Valid, option.Rule);
        }
        return new OptimizerDeclaration(Name, reader.Arguments);
    }

    /// <summary>The C# that constructs the optimizer with a constant learning rate.</summary>
    public string Construct(OptimizerDeclaration declaration)
    {
        string Value(string property) => declaration.Arguments.First(a => a.Name == property).Value;
        string rate = $"new global::ModelDsl.Optimizers.ConstantLearningRate({AttributeReader.Number(double.Parse(Value("LearningRate"), CultureInfo.InvariantCulture))})";
        IEnumerable<string> options = Options.Select(o =>
            $"{o.Argument}: {(o.Valid is null ? Value(o.Property) : AttributeReader.Number(double.Parse(Value(o.Property), CultureInfo.InvariantCulture)))}");
        return $"new global::ModelDsl.Optimizers.{Name}({string.Join(", ", new[] { rate }.Concat(options))})";
    }
}

/// <summary>A named argument of an optimizer attribute; <see cref="Valid"/> is null for a flag.</summary>
internal sealed record OptimizerOption(string Property, string Argument, double Default, System.Func<double, bool>? Valid, string Rule);

/// <summary>The optimizer attributes, with Keras' defaults (keras/src/optimizers).</summary>
internal static class OptimizerCatalogue
{
    private static bool Fraction(double x) => x >= 0 && x < 1;
    private static bool Unit(double x) => x >= 0 && x <= 1;
    private static bool NonNegative(double x) => x >= 0 && !double.IsInfinity(x);

    private static readonly OptimizerOption Beta1 = new("Beta1", "beta1", 0.9, Fraction, "give a decay rate in [0, 1) (Keras' default is 0.9)");
    private static readonly OptimizerOption Beta2 = new("Beta2", "beta2", 0.999, Fraction, "give a decay rate in [0, 1) (Keras' default is 0.999)");
    private static readonly OptimizerOption Epsilon = new("Epsilon", "epsilon", 1e-7, NonNegative, "give a small finite number, 0 or more (Keras' default is 1e-7)");

    public static IReadOnlyList<OptimizerDefinition> All { get; } =
    [
        new("Adam", 0.001, Beta1, Beta2, Epsilon),
        new("Sgd", 0.01,
            new OptimizerOption("Momentum", "momentum", 0, Unit, "give a momentum in [0, 1]"),
            new OptimizerOption("Nesterov", "nesterov", 0, null, "")),
        new("RmsProp", 0.001,
            new OptimizerOption("Rho", "rho", 0.9, Fraction, "give a discount in [0, 1) (Keras' default is 0.9)"),
            new OptimizerOption("Momentum", "momentum", 0, Unit, "give a momentum in [0, 1]"),
            Epsilon,
            new OptimizerOption("Centered", "centered", 0, null, "")),
        new("AdamW", 0.001, Beta1, Beta2, Epsilon,
            new OptimizerOption("WeightDecay", "weightDecay", 0.004, NonNegative, "give a finite weight decay, 0 or more (Keras' default is 0.004)")),
    ];

    public static OptimizerDefinition? ForAttribute(string? fullName) => All.FirstOrDefault(d => fullName == $"ModelDsl.{d.Name}Attribute");

    public static OptimizerDefinition Get(string name) => All.First(d => d.Name == name);

    /// <summary>"[Adam], [Sgd], ...", for messages.</summary>
    public static string AttributeList => string.Join(", ", All.Select(d => $"[{d.Name}]"));
}
