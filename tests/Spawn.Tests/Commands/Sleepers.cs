using System.Globalization;
using Spawn.Tests.Support;

namespace Spawn.Tests.Commands;

/// <summary>
/// Descendants of a command under test, each a shell that writes its own PID to a file and then
/// becomes <c>sleep</c> (exec keeps the PID). The test finds them by that PID and holds each by a
/// handle (a pidfd in handle mode), never by name; whatever is still running at the end is killed
/// through its handle.
/// </summary>
internal sealed class Sleepers : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("spawn-sleepers-").FullName;
    private readonly List<ProcessHandle> _handles = [];

    internal Sleepers() => PidFile = Path.Combine(_directory, "pids");

    internal string PidFile { get; }

    /// <summary>A shell command line that records its PID and sleeps <paramref name="seconds"/> as that PID.</summary>
    internal string Sleeper(int seconds) => $"sh -c 'echo $$ >> {PidFile}; exec sleep {seconds}'";

    /// <summary>Writes <paramref name="text"/> to an executable script next to the PID file; returns its path.</summary>
    internal string Script(string text)
    {
        string path = Path.Combine(_directory, "script.sh");
        File.WriteAllText(path, "#!/bin/sh\n" + text + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>Waits until <paramref name="count"/> sleepers have recorded their PID, and holds each by a handle.</summary>
    internal async Task<IReadOnlyList<ProcessHandle>> FindAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            string[] lines = File.Exists(PidFile) ? await File.ReadAllLinesAsync(PidFile) : [];
            if (lines.Length >= count && lines.Take(count).All(l => l.Length > 0))
            {
                foreach (string line in lines.Skip(_handles.Count).Take(count - _handles.Count))
                {
                    // Found while it still sleeps: its PID names it (it is not reaped before the test ends it or it ends itself).
                    _handles.Add(ProcessHandle.Find(int.Parse(line, CultureInfo.InvariantCulture)));
                }
                return _handles;
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"only {lines.Length} of {count} sleepers recorded their PID");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// True when every sleeper found has ended within <paramref name="seconds"/> (it would otherwise
    /// sleep far longer). Ended means exited: an orphan may stay a zombie for as long as whoever
    /// inherited it does not reap it (a container's PID 1 may never).
    /// </summary>
    internal async Task<bool> AllEndedAsync(double seconds = 5)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!_handles.All(Ended))
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(20);
        }
        return true;
    }

    /// <summary>How many of the sleepers found still run.</summary>
    internal int Running => _handles.Count(h => !Ended(h));

    /// <summary>By the pidfd in handle mode (readable once the process has exited); by /proc in PID mode.</summary>
    private static bool Ended(ProcessHandle handle)
    {
        if (handle.HasExited) return true;
        if (!ProcessHandle.UsesPidfd) return Native.ProcState(handle.Pid) is null or 'Z';
        try
        {
            return handle.WithHandle(Native.PollReadable);
        }
        catch (InvalidOperationException)
        {
            return true; // finished: its handle is released
        }
    }

    public ValueTask DisposeAsync()
    {
        foreach (ProcessHandle handle in _handles)
        {
            if (!Ended(handle)) handle.Kill();
            handle.Dispose();
        }
        Directory.Delete(_directory, recursive: true);
        return ValueTask.CompletedTask;
    }
}
