namespace Spawn;

/// <summary>Which of a child's output streams a line came from.</summary>
public enum OutputKind
{
    /// <summary>Standard output (fd 1).</summary>
    Stdout = 1,

    /// <summary>Standard error (fd 2).</summary>
    Stderr = 2,
}

/// <summary>One line a child wrote, without its line end, tagged with the stream it came from.</summary>
/// <param name="Source">Stdout or stderr.</param>
/// <param name="Text">The line's text.</param>
public readonly record struct OutputLine(OutputKind Source, string Text)
{
    /// <summary>"stdout: text".</summary>
    public override string ToString() => $"{(Source == OutputKind.Stdout ? "stdout" : "stderr")}: {Text}";
}
