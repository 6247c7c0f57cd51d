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
        if (OperatingSystem.IsWindows())
        {
            return WindowsProgramSearch.Resolve(program, pathVariable, Environment.GetEnvironmentVariable("PATHEXT"), allowRelative, workingDirectory, out string whereLooked)
                ?? throw new ProcessStartException(program, Errno.ENOENT, whereLooked);
        }
        if (program.Contains('/', StringComparison.Ordinal))
        {
            if (!File.Exists(OnDisk(program, workingDirectory)) && ArgumentsHint(program, pathVariable, allowRelative, workingDirectory) is { } hint)
            {
                throw new ProcessStartException(program, Errno.ENOENT, hint);
            }
            return program;
        }

        string? relativeHit = null;
        string? notExecutable = null;
        string[] entries = (pathVariable ?? DefaultPath).Split(':');
        foreach (string entry in entries)
        {
            string candidate = Candidate(entry, program, workingDirectory, out string onDisk, out bool relative);
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
        // execvp finds a directory of that name too, and cannot run it (EACCES). Looked for only on
        // the way to failing, so that finding a program costs one stat per PATH entry.
        foreach (string entry in entries)
        {
            string candidate = Candidate(entry, program, workingDirectory, out string onDisk, out bool relative);
            if ((!relative || allowRelative) && Directory.Exists(onDisk))
            {
                throw new ProcessStartException(program, Errno.EACCES, $"found '{candidate}' in PATH but it is a directory");
            }
        }
        if (relativeHit is not null)
        {
            throw new ProcessStartException(program, Errno.ENOENT,
                $"it is only in '{relativeHit}', through a relative PATH entry (such as '.' or an empty one); run it as a path, or allow it with WithRelativePathLookup()");
        }
        string notFound = $"not found in PATH ({pathVariable ?? "unset, searched " + DefaultPath})";
        if (ArgumentsHint(program, pathVariable, allowRelative, workingDirectory) is { } split) notFound += "; " + split;
        throw new ProcessStartException(program, Errno.ENOENT, notFound);
    }

    /// <summary>
    /// <paramref name="program"/> in PATH entry <paramref name="entry"/> (an empty entry is "."), and
    /// where it is on disk: a relative entry is relative to the child's working directory.
    /// </summary>
    private static string Candidate(string entry, string program, string? workingDirectory, out string onDisk, out bool relative)
    {
        relative = entry.Length == 0 || entry[0] != '/';
        string candidate = Path.Join(entry.Length == 0 ? "." : entry, program);
        onDisk = relative && workingDirectory is not null ? Path.Join(workingDirectory, candidate) : candidate;
        return candidate;
    }

    private static string OnDisk(string path, string? workingDirectory) =>
        workingDirectory is not null && !Path.IsPathRooted(path) ? Path.Join(workingDirectory, path) : path;

    /// <summary>
    /// The common first mistake, a whole command line as the program ("git --version"): when the
    /// first word names a program, say that the arguments go in separate strings. Null otherwise.
    /// </summary>
    private static string? ArgumentsHint(string program, string? pathVariable, bool allowRelative, string? workingDirectory)
    {
        string[] words = program.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 2 || program[0] == ' ') return null;
        string first = words[0];
        if (first.Contains('/', StringComparison.Ordinal))
        {
            if (!File.Exists(OnDisk(first, workingDirectory))) return null;
        }
        else
        {
            try
            {
                Resolve(first, pathVariable, allowRelative, workingDirectory);
            }
            catch (ProcessStartException)
            {
                return null;
            }
        }
        return $"the program name contains spaces, and '{first}' is a program: the arguments go in separate strings, as in new Command(\"{first}\", {string.Join(", ", words.Skip(1).Select(w => $"\"{w}\""))})";
    }
}
