using ModelDsl.Generators.Model;

namespace ModelDsl.Generators.Emit;

/// <summary>
/// For a [Model] the analysis rejected: implements its partial layer methods and parameter properties with a throw,
/// so that the build reports the model's MD diagnostics alone and not the compiler's follow-on errors about partial
/// members without an implementation.
/// </summary>
internal static class RejectedModelEmitter
{
    private const string Tensor = "global::TorchSharp.torch.Tensor";

    public static string Emit(ModelDeclaration model)
    {
        var w = new CodeWriter();
        w.WriteHeader();
        string error = $"throw new global::System.InvalidOperationException(\"{model.Name} was not generated: fix the ModelDsl (MD) errors reported on its declaration.\")";
        using (Names.OpenType(w, model.Type))
        {
            w.WriteLine($"// {model.Name} was rejected (see its MD diagnostics); only its partial members are implemented, and they throw.");
            foreach (LayerDeclaration layer in model.Layers)
            {
                w.WriteLine(CodeWriter.GeneratedCodeAttribute);
                w.WriteLine($"{layer.Accessibility} partial {Tensor} {layer.Name}({Tensor} {Names.Identifier(layer.Parameter)}) => {error};");
            }
            foreach (ParameterDeclaration parameter in model.Parameters)
            {
                w.WriteLine(CodeWriter.GeneratedCodeAttribute);
                w.WriteLine($"{parameter.Accessibility} partial {Tensor} {parameter.Name} => {error};");
            }
        }
        return w.ToString();
    }
}
