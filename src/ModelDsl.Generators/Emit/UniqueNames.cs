using System.Collections.Generic;
using System.Globalization;

namespace ModelDsl.Generators.Emit;

/// <summary>
/// Hands out names that are not taken yet: the stem itself, then stem2, stem3, ... Each stem remembers where it got to,
/// so that thousands of values of one kind ("Add", "Add2", ...) are named in linear time.
/// </summary>
internal sealed class UniqueNames
{
    private readonly HashSet<string> _taken;
    private readonly Dictionary<string, int> _next = new(System.StringComparer.Ordinal);

    public UniqueNames(IEnumerable<string>? taken = null) => _taken = new HashSet<string>(taken ?? [], System.StringComparer.Ordinal);

    /// <summary>Marks a name as taken; false when it already was.</summary>
    public bool Take(string name) => _taken.Add(name);

    public bool IsTaken(string name) => _taken.Contains(name);

    /// <summary>The first free name of <paramref name="stem"/>, <paramref name="stem"/>2, ... that <paramref name="accept"/> allows, now taken.</summary>
    public string Next(string stem, string separator = "", System.Func<string, bool>? accept = null)
    {
        bool Free(string candidate) => (accept is null || accept(candidate)) && !_taken.Contains(candidate);
        string name = stem;
        if (!Free(name))
        {
            int n = _next.TryGetValue(stem, out int known) ? known : 2;
            while (!Free(name = stem + separator + n.ToString(CultureInfo.InvariantCulture))) n++;
            _next[stem] = n + 1;
        }
        _taken.Add(name);
        return name;
    }
}
