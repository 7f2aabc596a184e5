using ModelDsl.Generators.Model;

namespace ModelDsl.Generators.Emit;

/// <summary>
/// For a [Model] that parsing or analysis rejected: implements its declared partial layer methods and parameter
/// properties with a throw, so that the build reports the model's MD diagnostics alone and not the compiler's
/// follow-on errors about partial members without an implementation.
/// </summary>
internal static class RejectedModelEmitter
{
    public static string Emit(ParsedModel model)
    {
        var w = new CodeWriter();
        w.WriteHeader();
        string error = $"throw new global::System.InvalidOperationException(\"{model.Name} was not generated: fix the ModelDsl (MD) errors reported on its declaration.\")";
        using (Names.OpenType(w, model.Type))
        {
            w.WriteLine($"// {model.Name} was rejected (see its MD diagnostics); only its partial members are implemented, and they throw.");
            foreach (PartialMember member in model.PartialMembers)
            {
                w.WriteLine(CodeWriter.GeneratedCodeAttribute);
                w.WriteLine($"{member.Signature} => {error};");
            }
        }
        return w.ToString();
    }
}
