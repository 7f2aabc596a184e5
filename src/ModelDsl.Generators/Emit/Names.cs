using System;
using System.Collections.Generic;
using ModelDsl.Generators.Model;

namespace ModelDsl.Generators.Emit;

internal static class Names
{
    public static string Pascal(string name) => name.Length == 0 ? name : char.ToUpperInvariant(name[0]) + name.Substring(1);

    public static string Camel(string name) => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name.Substring(1);

    /// <summary>Opens the namespace and every containing type; dispose the result to close them.</summary>
    /// <summary>A name usable as a C# identifier: keywords get an @.</summary>
    public static string Identifier(string name) =>
        Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? "@" + name : name;

    public static IDisposable OpenType(CodeWriter writer, TypeLocation type, string? lastTypeSuffix = null)
    {
        var closers = new Stack<IDisposable>();
        if (type.Namespace.Length > 0) closers.Push(writer.WriteBlock("namespace " + type.Namespace));
        for (int i = 0; i < type.Types.Count; i++)
        {
            ContainingType t = type.Types[i];
            string suffix = i == type.Types.Count - 1 && lastTypeSuffix is not null ? lastTypeSuffix : "";
            closers.Push(writer.WriteBlock($"partial {t.Keyword} {t.Name}{suffix}"));
        }
        return new Many(closers);
    }

    private sealed class Many(Stack<IDisposable> closers) : IDisposable
    {
        public void Dispose()
        {
            while (closers.Count > 0) closers.Pop().Dispose();
        }
    }
}
