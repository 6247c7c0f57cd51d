using Spawn.Internal;

namespace Spawn;

/// <summary>
/// Finds the file to execute for a command's program name. A name with a '/' is a path, used as
/// given (a relative one is resolved by the kernel against the child's working directory). A bare
/// name is searched in PATH — the child's PATH when the command sets one. Empty and relative PATH
/// entries (".", "", "bin") name the current directory, which lets whoever controls it substitute
/// programs; they are skipped unless the command opts in (Go's ErrDot rule).
/// </summary>
internal static class ProgramResolver
{
    /// <summary>What glibc's execvp uses when PATH is not set at all.</summary>
    private const string DefaultPath = "/bin:/usr/bin";

    internal static string Resolve(string program, string? pathVariable, bool allowRelative, string? workingDirectory)
    {
        if (program.Contains('/', StringComparison.Ordinal)) return program;

        string? relativeHit = null;
        string? notExecutable = null;
        foreach (string entry in (pathVariable ?? DefaultPath).Split(':'))
        {
            bool relative = entry.Length == 0 || entry[0] != '/';
            string directory = entry.Length == 0 ? "." : entry;
            string candidate = Path.Join(directory, program);
            string onDisk = relative && workingDirectory is not null ? Path.Join(workingDirectory, candidate) : candidate;
            if (!File.Exists(onDisk)) continue;
            if (relative && !allowRelative)
            {
                relativeHit ??= candidate;
                continue;
            }
            if (ExecutableFile.IsExecutable(onDisk)) return candidate; // has a '/', so exec will not search again
            notExecutable ??= candidate;
        }
        if (notExecutable is not null)
        {
            throw new ProcessStartException(program, Errno.EACCES, $"found '{notExecutable}' in PATH but it is not executable");
        }
        if (relativeHit is not null)
        {
            throw new ProcessStartException(program, Errno.ENOENT,
                $"it is only in '{relativeHit}', through a relative PATH entry (such as '.' or an empty one); run it as a path, or allow it with WithRelativePathLookup()");
        }
        throw new ProcessStartException(program, Errno.ENOENT, $"not found in PATH ({pathVariable ?? "unset, searched " + DefaultPath})");
    }
}
