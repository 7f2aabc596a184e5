using System.Collections.Generic;
using System.Linq;

namespace ModelDsl.Generators.Layers;

/// <summary>Every layer kind ModelDsl knows, by the name of its attribute (<c>[Dense]</c> → "Dense").</summary>
internal static class LayerCatalogue
{
    public static IReadOnlyList<LayerDefinition> All { get; } =
    [
        new DenseLayer(),
        new DropoutLayer(),
        new NormalizationLayer(),
        new BatchNormalizationLayer(),
        new LayerNormalizationLayer(),
        new Conv1DLayer(),
        new Conv2DLayer(),
        new MaxPooling1DLayer(),
        new AveragePooling1DLayer(),
        new MaxPooling2DLayer(),
        new AveragePooling2DLayer(),
        new GlobalAveragePooling1DLayer(),
        new GlobalMaxPooling1DLayer(),
        new GlobalAveragePooling2DLayer(),
        new GlobalMaxPooling2DLayer(),
        new LstmLayer(),
        new GruLayer(),
        new SimpleRnnLayer(),
        new EmbeddingLayer(),
    ];

    private static readonly Dictionary<string, LayerDefinition> ByName = All.ToDictionary(d => d.Name, System.StringComparer.Ordinal);

    /// <summary>The definition whose attribute is <c>ModelDsl.{name}Attribute</c>, or null.</summary>
    public static LayerDefinition? Find(string name) => ByName.TryGetValue(name, out LayerDefinition? definition) ? definition : null;

    public static LayerDefinition Get(string name) => ByName[name];

    /// <summary>The definition for an attribute class (<c>ModelDsl.DenseAttribute</c>), or null when it is not a layer's.</summary>
    public static LayerDefinition? ForAttribute(string? fullName)
        => fullName is not null && fullName.StartsWith("ModelDsl.", System.StringComparison.Ordinal) && fullName.EndsWith("Attribute", System.StringComparison.Ordinal)
            ? Find(fullName.Substring("ModelDsl.".Length, fullName.Length - "ModelDsl.".Length - "Attribute".Length))
            : null;

    /// <summary>"[Dense], [Dropout], ...": the layer attributes, for messages.</summary>
    public static string AttributeList => string.Join(", ", All.Select(d => $"[{d.Name}]"));
}
