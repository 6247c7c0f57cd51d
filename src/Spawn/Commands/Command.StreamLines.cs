using System.Text;

namespace Spawn;

public sealed partial class Command
{
    /// <summary>
    /// Runs the command as the stream is enumerated and yields its stdout and stderr lines, tagged,
    /// in the order they arrived; then <see cref="OutputLines{TResult}.Result"/> has the run's result.
    /// Stopping the enumeration early kills the process. A slow consumer slows the child down
    /// (back-pressure through the pipe) rather than filling memory.
    /// </summary>
    /// <example>
    /// <code>
    /// var lines = new Command("make").StreamLinesAsync(cancellationToken);
    /// await foreach (OutputLine line in lines) Console.WriteLine(line);
    /// CommandResult result = await lines.Result;
    /// </code>
    /// </example>
    public OutputLines<CommandResult> StreamLinesAsync(Encoding? encoding = null, CancellationToken cancellationToken = default) =>
        new((stdout, stderr, token) => WithStdout(stdout).WithStderr(stderr).Start(token),
            ReferenceEquals(Stderr, OutputTarget.Stdout) || PseudoTerminal is not null, encoding, cancellationToken); // a terminal carries both

    /// <summary>Runs the command and yields its lines as UTF-8 text (see <see cref="StreamLinesAsync(Encoding?, CancellationToken)"/>).</summary>
    public OutputLines<CommandResult> StreamLinesAsync(CancellationToken cancellationToken) => StreamLinesAsync(null, cancellationToken);
}
