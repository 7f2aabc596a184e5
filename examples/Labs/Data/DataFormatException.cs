namespace ModelDsl.Labs.Data;

/// <summary>Input data that cannot be read; the message names the source, the line and the column.</summary>
public sealed class DataFormatException : FormatException
{
    public DataFormatException(string source, int line, string? column, string problem)
        : base(Describe(source, line, column, problem))
    {
        Source = source;
        Line = line;
        Column = column;
        Problem = problem;
    }

    /// <summary>The file name, URL or label given to the reader.</summary>
    public new string Source { get; }

    /// <summary>1-based line of the offending input; 0 when the input has no meaningful line (a JSON document's structure).</summary>
    public int Line { get; }

    /// <summary>The column (CSV header name or JSON path), or null when the problem concerns the whole line.</summary>
    public string? Column { get; }

    /// <summary>The message without the location prefix.</summary>
    public string Problem { get; }

    private static string Describe(string source, int line, string? column, string problem)
    {
        string where = source;
        if (line > 0) where += $", line {line}";
        if (column is not null) where += $", column '{column}'";
        return $"{where}: {problem}";
    }
}
