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
            foreach (AttributeStub stub in model.AttributeStubs)
            {
                w.WriteLine();
                w.WriteLine("/// <summary>Not a ModelDsl attribute (see MD0019): declared only so that the MD error is the one error of this model.</summary>");
                w.WriteLine(CodeWriter.GeneratedCodeAttribute);
                using (w.WriteBlock($"private sealed class {stub.Name} : global::System.Attribute"))
                {
                    w.WriteLine($"public {stub.Name}(params object?[] arguments) {{ }}");
                    foreach (string named in stub.NamedArguments) w.WriteLine($"public object? {Names.Identifier(named)} {{ get; set; }}");
                }
            }
        }
        return w.ToString();
    }
}
