namespace Spawn.Internal;

/// <summary>
/// Finds the file to execute for a command's program name on Windows. A name with a directory
/// part ('\', '/' or a drive) is a path; a bare name is searched in PATH (entries separated by
/// ';'), trying the name as given when it has an extension, then with each extension of PATHEXT.
/// Unlike CreateProcess's own search, the current directory is not searched, and relative PATH
/// entries are skipped unless the command opts in (the same rule as on Linux, and Go's).
/// </summary>
internal static class WindowsProgramSearch
{
    /// <summary>What Windows uses when PATHEXT is not set.</summary>
    private const string DefaultPathExt = ".COM;.EXE;.BAT;.CMD";

    /// <returns>The path to start, or null when nothing was found (<paramref name="notFound"/> then says where it looked).</returns>
    internal static string? Resolve(string program, string? pathVariable, string? pathExt, bool allowRelative, string? workingDirectory, out string notFound)
    {
        string[] extensions = (pathExt ?? DefaultPathExt).Split(';', StringSplitOptions.RemoveEmptyEntries);
        if (program.AsSpan().IndexOfAny('\\', '/', ':') >= 0)
        {
            notFound = "no such file (nor with an extension of PATHEXT)";
            return WithExtension(program, extensions, workingDirectory);
        }
        string? relativeHit = null;
        foreach (string entry in (pathVariable ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            string directory = entry.Trim('"');
            bool relative = !Path.IsPathFullyQualified(directory);
            string? hit = WithExtension(Path.Join(directory, program), extensions, relative ? workingDirectory : null);
            if (hit is null) continue;
            if (relative && !allowRelative)
            {
                relativeHit ??= hit;
                continue;
            }
            notFound = "";
            return hit;
        }
        notFound = relativeHit is not null
            ? $"it is only in '{relativeHit}', through a relative PATH entry; run it as a path, or allow it with WithRelativePathLookup()"
            : $"not found in PATH ({pathVariable ?? "unset"}), with the extensions {string.Join(", ", extensions)}";
        return null;
    }

    private static string? WithExtension(string candidate, string[] extensions, string? workingDirectory)
    {
        string onDisk = workingDirectory is not null && !Path.IsPathRooted(candidate) ? Path.Join(workingDirectory, candidate) : candidate;
        if (Path.HasExtension(candidate) && File.Exists(onDisk)) return candidate;
        foreach (string extension in extensions)
        {
            if (File.Exists(onDisk + extension)) return candidate + extension;
        }
        return null;
    }
}
