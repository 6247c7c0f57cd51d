using System.Globalization;

namespace Spawn.Cli;

/// <summary>
/// `spawn wait`: waits, without polling, until processes that are not our children have exited,
/// through their pidfds, and prints each one's exit status where the kernel tells it.
/// </summary>
internal static class WaitCommand
{
    internal static async Task<int> RunAsync(string[] args)
    {
        TimeSpan? timeout = null;
        int? count = null;
        bool acceptExited = false;
        var pids = new List<int>();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new UsageException($"{arg} needs a value");
            switch (arg)
            {
                case "-h" or "--help":
                    Console.Out.Write(Usage.Wait);
                    return 0;
                case "-t" or "--timeout":
                    timeout = Duration.Parse(Value(), arg);
                    break;
                case "-c" or "--count":
                    count = int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
                        ? n : throw new UsageException($"{arg}: a positive number is needed");
                    break;
                case "-e" or "--exited":
                    acceptExited = true;
                    break;
                default:
                    pids.Add(int.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0
                        ? pid : throw new UsageException($"'{arg}' is not a PID (a positive number) or an option (see spawn wait --help)"));
                    break;
            }
        }
        if (pids.Count == 0) throw new UsageException("no PID given (spawn wait [--timeout DURATION] [--count N] [--exited] PID...)");

        var handles = pids.Select(ProcessHandle.Find).ToList();
        try
        {
            var missing = handles.Where(h => h.HasExited).ToList();
            if (missing.Count > 0 && !acceptExited)
            {
                foreach (var h in missing) Console.Error.WriteLine($"spawn: no process with PID {h.Pid}");
                return 1;
            }

            int needed = Math.Min(count ?? handles.Count, handles.Count);
            using var deadline = timeout is { } t ? new CancellationTokenSource(t) : new CancellationTokenSource();
            var pending = handles.Select(h => h.WaitAsync(deadline.Token)).ToList();
            int done = 0;
            while (done < needed)
            {
                Task<ProcessState> finished = await Task.WhenAny(pending).ConfigureAwait(false);
                pending.Remove(finished);
                if (finished.IsCanceled)
                {
                    Console.Error.WriteLine($"spawn: timed out with {needed - done} process(es) still running");
                    return RunCommand.TimedOut;
                }
                ProcessState state = await finished.ConfigureAwait(false);
                Console.Out.WriteLine($"{state.Pid}: {(state.Source == ExitStatusSource.Unknown ? "unknown" : state.ToString())}");
                done++;
            }
            return 0;
        }
        finally
        {
            foreach (var h in handles) h.Dispose();
        }
    }
}
