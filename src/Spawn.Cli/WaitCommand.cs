using System.Globalization;
using Spawn.Cli.Interop;

namespace Spawn.Cli;

/// <summary>
/// `spawn wait`: util-linux waitpid(1) — the same options, messages on stdout with -v only, and the
/// same exit statuses (0 success, 1 failure, 2 no system support, 3 timeout) — through process
/// handles. Spawn's extra, --status, prints each process's exit status where the kernel keeps it.
/// </summary>
internal static class WaitCommand
{
    internal const int Failure = 1;
    internal const int NoSupport = 2;
    internal const int TimeoutExpired = 3;

    private static readonly OptionSpec s_verbose = new('v', "verbose", false);
    private static readonly OptionSpec s_timeout = new('t', "timeout", true);
    private static readonly OptionSpec s_exited = new('e', "exited", false);
    private static readonly OptionSpec s_count = new('c', "count", true);
    private static readonly OptionSpec s_status = new(null, "status", false);
    private static readonly OptionSpec s_version = new('V', "version", false);
    private static readonly OptionSpec s_help = new('h', "help", false);

    /// <summary>Every option, in the order the help lists them.</summary>
    internal static readonly OptionSpec[] All = [s_verbose, s_timeout, s_exited, s_count, s_status, s_version, s_help];

    internal static async Task<int> RunAsync(string[] args)
    {
        var (parsed, operands, _) = GetOpt.Parse(args, All, stopAtFirstOperand: false);
        bool verbose = false, acceptExited = false, printStatus = false;
        double timeoutSeconds = 0;
        long count = 0;
        OptionSpec? countOrExited = null;
        foreach (ParsedOption option in parsed)
        {
            OptionSpec spec = option.Spec;
            if (spec == s_count || spec == s_exited)
            {
                // util-linux's rule: --count and --exited exclude each other.
                if (countOrExited is not null && countOrExited != spec) return Fail("mutually exclusive arguments: --count --exited", tryHelp: false);
                countOrExited = spec;
            }
            if (spec == s_help) { StandardStreams.Out(Usage.Wait); return 0; }
            if (spec == s_version) { StandardStreams.Out(Usage.Version); return 0; }
            if (spec == s_verbose) verbose = true;
            else if (spec == s_exited) acceptExited = true;
            else if (spec == s_status) printStatus = true;
            else if (spec == s_timeout)
            {
                if (!double.TryParse(option.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out timeoutSeconds) || double.IsNaN(timeoutSeconds) || timeoutSeconds < 0)
                {
                    return Fail($"invalid timeout: '{option.Value}'", tryHelp: false);
                }
            }
            else if (spec == s_count)
            {
                if (!long.TryParse(option.Value, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite, CultureInfo.InvariantCulture, out count))
                {
                    return Fail($"invalid count: '{option.Value}'", tryHelp: false);
                }
                if (count < 1) return Fail($"invalid count: '{option.Value}': Numerical result out of range", tryHelp: false);
            }
        }
        if (operands.Count == 0) return Fail("no PIDs specified", tryHelp: false);
        if (count > operands.Count) return Fail($"can't wait for {count} of {operands.Count} PIDs", tryHelp: false);

        var pids = new List<string>();
        foreach (string operand in operands)
        {
            // PID:INODE, as util-linux takes it: the process with that pidfs inode, never one that reused the PID.
            string pidPart = operand.Split(':', 2)[0];
            if (operand.Contains(':', StringComparison.Ordinal)
                && !ulong.TryParse(operand.AsSpan(pidPart.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                return Fail($"failed to parse PID argument '{operand}': Invalid argument", tryHelp: false);
            }
            if (!long.TryParse(pidPart, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite, CultureInfo.InvariantCulture, out long pid))
            {
                return Fail($"failed to parse PID argument '{operand}': Invalid argument", tryHelp: false);
            }
            if (pid <= 0 || pid > int.MaxValue) return Fail($"failed to parse PID argument '{operand}': Numerical result out of range", tryHelp: false);
            pids.Add(operand.Contains(':', StringComparison.Ordinal) ? $"{pid}:{operand[(pidPart.Length + 1)..]}" : pid.ToString(CultureInfo.InvariantCulture));
        }
        return await WaitAsync(pids, acceptExited, verbose, printStatus, timeoutSeconds, count).ConfigureAwait(false);
    }

    private static async Task<int> WaitAsync(List<string> pids, bool acceptExited, bool verbose, bool printStatus, double timeoutSeconds, long count)
    {
        var handles = new List<ProcessHandle>();
        try
        {
            foreach (string pid in pids)
            {
                ProcessHandle handle;
                try
                {
                    handle = ProcessHandle.Find(pid);
                }
                catch (ProcessGoneException e)
                {
                    // The process meant has exited (and its PID names another now): as an exited PID.
                    if (!acceptExited) return Fail($"could not open PID {pid}: {e.Message}", tryHelp: false);
                    if (verbose) StandardStreams.ErrorLine($"spawn: PID {pid} has exited, skipping");
                    continue;
                }
                catch (PlatformNotSupportedException e)
                {
                    StandardStreams.ErrorLine($"spawn: {e.Message}");
                    return NoSupport;
                }
                if (handle.HasExited)
                {
                    handle.Dispose();
                    if (!acceptExited) return Fail($"could not open PID {pid}: No such process", tryHelp: false);
                    if (verbose) StandardStreams.ErrorLine($"spawn: PID {pid} has exited, skipping");
                    continue;
                }
                handles.Add(handle);
            }

            int needed = (int)Math.Min(count == 0 ? handles.Count : count, handles.Count);
            using var deadline = new CancellationTokenSource();
            // A timer takes at most ~49 days; a longer timeout cannot end in the life of a script.
            if (timeoutSeconds > 0 && timeoutSeconds < 4e6) deadline.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
            var pending = handles.Select(h => h.WaitAsync(deadline.Token)).ToList();
            for (int done = 0; done < needed; done++)
            {
                Task<ProcessState> finished = await Task.WhenAny(pending).ConfigureAwait(false);
                pending.Remove(finished);
                if (finished.IsCanceled)
                {
                    if (verbose) StandardStreams.OutLine("Timeout expired");
                    return TimeoutExpired;
                }
                ProcessState state = await finished.ConfigureAwait(false);
                if (verbose) StandardStreams.OutLine($"PID {state.Pid} finished");
                if (printStatus) StandardStreams.OutLine($"{state.Pid}: {(state.Source == ExitStatusSource.Unknown ? "unknown" : state.ToString())}");
            }
            return 0;
        }
        finally
        {
            foreach (var h in handles) h.Dispose();
        }
    }

    private static int Fail(string message, bool tryHelp)
    {
        StandardStreams.ErrorLine($"spawn: {message}");
        if (tryHelp) StandardStreams.ErrorLine("Try 'spawn wait --help' for more information.");
        return Failure;
    }
}
