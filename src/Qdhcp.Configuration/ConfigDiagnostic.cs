namespace Qdhcp.Configuration;

/// <summary>How bad a configuration problem is, and so what the caller does about it.</summary>
public enum ConfigSeverity
{
    /// <summary>Something was accepted but has no effect (an IPv6 line, an ignored option).</summary>
    Info,

    /// <summary>Something was accepted with a caveat (a duplicate kept first, a lease time raised to the minimum).</summary>
    Warning,

    /// <summary>One line or entry was rejected and skipped; the rest of the configuration is used.</summary>
    Error,

    /// <summary>The configuration cannot be used (unknown option, missing file): the caller must not start.</summary>
    Fatal,
}

/// <summary>
/// One problem found while reading configuration, located by file and 1-based line, as dnsmasq reports them.
/// </summary>
/// <param name="Severity">What the caller should do about it.</param>
/// <param name="File">The file path, or <see cref="ConfigDiagnostic.CommandLine"/>.</param>
/// <param name="Line">The 1-based line, or 0 when the source has no lines (the command line, a whole file).</param>
/// <param name="Message">What was wrong and what to do.</param>
public sealed record ConfigDiagnostic(ConfigSeverity Severity, string File, int Line, string Message)
{
    /// <summary>The <see cref="File"/> of problems found in command-line arguments.</summary>
    public const string CommandLine = "command line";

    /// <summary><c>/path/host:3: message</c>, or <c>/path/host: message</c> without a line.</summary>
    public override string ToString() => Line > 0 ? $"{File}:{Line}: {Message}" : $"{File}: {Message}";
}

/// <summary>What became of one configuration line or value.</summary>
public enum LineOutcome
{
    /// <summary>Parsed into a value the DHCPv4 service uses.</summary>
    Parsed,

    /// <summary>Valid, but not for DHCPv4 (an IPv6 range, an <c>option6:</c> line): kept aside, no error.</summary>
    Ignored,

    /// <summary>Valid dnsmasq syntax for a feature qdhcp does not implement yet; reported as a warning.</summary>
    Unsupported,

    /// <summary>Not valid; <see cref="LineResult{T}.Message"/> says why.</summary>
    Invalid,
}

/// <summary>The result of parsing one dnsmasq value (an option line, a range, a match).</summary>
/// <param name="Outcome">What became of it.</param>
/// <param name="Value">The parsed value when <paramref name="Outcome"/> is <see cref="LineOutcome.Parsed"/>.</param>
/// <param name="Message">Why it was ignored, unsupported or invalid.</param>
/// <param name="Warnings">Caveats of a parsed value (a lease time raised to the minimum, a field ignored).</param>
public readonly record struct LineResult<T>(LineOutcome Outcome, T? Value, string? Message, IReadOnlyList<string> Warnings)
    where T : class
{
    public static LineResult<T> Ok(T value, IReadOnlyList<string>? warnings = null) => new(LineOutcome.Parsed, value, null, warnings ?? []);

    public static LineResult<T> Invalid(string message) => new(LineOutcome.Invalid, null, message, []);

    public static LineResult<T> Ignored(string message) => new(LineOutcome.Ignored, null, message, []);

    public static LineResult<T> Unsupported(string message) => new(LineOutcome.Unsupported, null, message, []);

    public bool IsParsed => Outcome == LineOutcome.Parsed;
}
