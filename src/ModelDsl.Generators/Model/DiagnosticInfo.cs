using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace ModelDsl.Generators.Model;

/// <summary>A diagnostic as data: descriptor id, location and message arguments.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params object?[] arguments)
        => new(descriptor.Id, location, arguments.Select(a => a?.ToString() ?? "").ToEquatableArray());

    public Diagnostic ToDiagnostic()
        => Diagnostic.Create(Diagnostics.DiagnosticDescriptors.ById(Id), Location?.ToLocation() ?? Microsoft.CodeAnalysis.Location.None,
            Arguments.Cast<object>().ToArray());
}

/// <summary>A pipeline value with the diagnostics found while producing it; <see cref="Value"/> is null when nothing can be generated.</summary>
internal sealed record Result<T>(T? Value, EquatableArray<DiagnosticInfo> Diagnostics) where T : class
{
    public bool HasErrors => Diagnostics.Any(d => Diagnostics_.IsError(d.Id));

    private static class Diagnostics_
    {
        public static bool IsError(string id) => ModelDsl.Generators.Diagnostics.DiagnosticDescriptors.ById(id).DefaultSeverity == DiagnosticSeverity.Error;
    }
}

internal static class Result
{
    public static Result<T> From<T>(T? value, IEnumerable<DiagnosticInfo> diagnostics) where T : class
        => new(value, diagnostics.ToEquatableArray());
}
