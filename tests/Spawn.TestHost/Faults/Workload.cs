using System.Globalization;
using Spawn;

namespace Spawn.TestHost.Faults;

/// <summary>
/// A mix of starts and waits that every fault scenario runs: exit codes, deaths by signal (the
/// child's own and ours), captured output, blocking, async and concurrent waits. Every state is
/// checked; a wait that takes 2 minutes counts as a hang. A state whose status is unknown is only
/// accepted when the scenario allows it, and then must say why.
/// </summary>
internal sealed class Workload(bool allowUnknown)
{
    /// <summary>
    /// When one wait counts as hung. A wait takes milliseconds; but under the signal storm the
    /// flood makes every thread it hits run a yielding handler thousands of times a second, and
    /// with the 2-core machine at a load of 40 one wait of 3000 was seen to take over 30 s
    /// (12 million signals in that run). A hang never ends: two minutes still tells one apart.
    /// </summary>
    private static readonly TimeSpan HangLimit = TimeSpan.FromMinutes(2);
    private static readonly int[] ChildSignals = [Libc.SIGTERM, Libc.SIGINT, Libc.SIGUSR1, Libc.SIGHUP];

    private readonly Lock _lock = new();
    private readonly List<string> _problems = [];

    internal int Right { get; private set; }
    internal int FromPidfd { get; private set; }
    internal int Unknown { get; private set; }
    internal int Wrong { get; private set; }
    internal string? FirstUnknownReason { get; private set; }

    /// <summary>The first few things that went wrong, one per line.</summary>
    internal IReadOnlyList<string> Problems => _problems;

    /// <summary>Runs kind <c>i % 6</c> of the mix once.</summary>
    internal void RunOne(int i)
    {
        int code = i % 200;
        try
        {
            switch (i % 6)
            {
                case 0:
                {
                    using var child = ProcessHandle.Start("/bin/sh", ["sh", "-c", $"exit {code}"]);
                    Check($"run {i} exit {code} (Wait)", Await(Task.Run(child.Wait)), code, null);
                    break;
                }
                case 1:
                {
                    int signal = ChildSignals[i / 6 % ChildSignals.Length];
                    using var child = ProcessHandle.Start("/bin/sh", ["sh", "-c", $"kill -{signal} $$; sleep 10"]);
                    Check($"run {i} own signal {signal} (WaitAsync)", Await(child.WaitAsync()), null, signal);
                    break;
                }
                case 2:
                {
                    using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
                    if (!child.Signal(Libc.SIGTERM)) Fail($"run {i}: Signal(SIGTERM) to a running child returned false");
                    Check($"run {i} our SIGTERM (Wait)", Await(Task.Run(child.Wait)), null, Libc.SIGTERM);
                    break;
                }
                case 3:
                {
                    BufferedCommandResult result = Await(new Command("/bin/sh", "-c", $"echo out{i}; echo err{i} >&2; exit {code}")
                        .WithExitCodeValidation(false).OutputAsync());
                    if (result.State.Source != ExitStatusSource.Unknown && (result.StandardOutput != $"out{i}\n" || result.StandardError != $"err{i}\n"))
                    {
                        Fail($"run {i}: captured '{result.StandardOutput.Trim()}' / '{result.StandardError.Trim()}'");
                    }
                    Check($"run {i} command exit {code}", result.State, code, null);
                    break;
                }
                case 4:
                {
                    using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
                    if (!child.Kill()) Fail($"run {i}: Kill of a running child returned false");
                    Check($"run {i} our SIGKILL (WaitAsync)", Await(child.WaitAsync()), null, Libc.SIGKILL);
                    if (child.Kill()) Fail($"run {i}: Kill after the wait returned true");
                    break;
                }
                default:
                {
                    using var child = ProcessHandle.Start("/bin/true", ["true"]);
                    Task<ProcessState> blocking = Task.Run(child.Wait);
                    ProcessState first = Await(child.WaitAsync());
                    if (!ReferenceEquals(first, Await(blocking))) Fail($"run {i}: concurrent waits gave different states");
                    Check($"run {i} exit 0 (two waits)", first, 0, null);
                    break;
                }
            }
        }
        catch (Exception e)
        {
            Fail($"run {i}: {e.GetType().Name}: {e.Message}");
        }
    }

    internal void Fail(string problem)
    {
        lock (_lock)
        {
            Wrong++;
            if (_problems.Count < 10) _problems.Add(problem);
        }
    }

    /// <summary>"right N (from pidfd exit info N), unknown N, wrong N".</summary>
    internal string Summary() =>
        string.Create(CultureInfo.InvariantCulture, $"right {Right} (from pidfd exit info {FromPidfd}), unknown {Unknown}, wrong {Wrong}");

    internal void PrintProblems(TextWriter writer)
    {
        foreach (string problem in _problems) writer.WriteLine($"problem: {problem}");
        if (FirstUnknownReason is not null) writer.WriteLine($"unknown reason: {FirstUnknownReason}");
    }

    private void Check(string what, ProcessState state, int? code, int? signal)
    {
        lock (_lock)
        {
            if (state.Source == ExitStatusSource.Unknown)
            {
                if (allowUnknown && !string.IsNullOrEmpty(state.UnknownReason))
                {
                    Unknown++;
                    FirstUnknownReason ??= state.UnknownReason;
                    return;
                }
                Wrong++;
                if (_problems.Count < 10) _problems.Add($"{what}: unknown ({state.UnknownReason})");
                return;
            }
            if (state.ExitCode == code && state.Signal == signal)
            {
                Right++;
                if (state.Source == ExitStatusSource.PidfdExitInfo) FromPidfd++;
                return;
            }
            Wrong++;
            if (_problems.Count < 10) _problems.Add($"{what}: got {state} ({state.Source})");
        }
    }

    /// <summary>The task's result, its own exception, or a TimeoutException ("hang") after <see cref="HangLimit"/>.</summary>
    private static T Await<T>(Task<T> task) => task.WaitAsync(HangLimit).GetAwaiter().GetResult();
}
