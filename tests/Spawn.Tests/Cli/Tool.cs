using System.IO.Pipes;
using System.Text;

namespace Spawn.Tests.Cli;

/// <summary>Runs the built `spawn` tool (src/Spawn.Cli, copied next to the tests) as a process.</summary>
internal static class Tool
{
    internal static string Path { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "Spawn.Cli");

    internal sealed record Outcome(ProcessState State, string Stdout, string Stderr)
    {
        /// <summary>The status a shell script sees in $?: the exit code, or 128+N for death by signal N.</summary>
        internal int ShellStatus => State.ExitCode ?? 128 + State.Signal!.Value;
    }

    internal static Task<Outcome> RunAsync(params string[] args) => RunProgramAsync(Path, ["spawn", .. args]);

    /// <summary>Starts the tool and gives its PID at once, before it finishes.</summary>
    internal static Task<Outcome> RunAsync(string[] args, out int pid) => RunProgramAsync(Path, ["spawn", .. args], out pid);

    /// <summary>
    /// How long a run may take before it counts as hung. A hang guard, not a speed check: the tool
    /// runs take seconds, but a test program's thousands of starts (beside-process 5000) took more
    /// than the 60 s this used to be in PID mode on the loaded 2-core machine.
    /// </summary>
    private static readonly TimeSpan s_hangBound = TimeSpan.FromMinutes(10);

    /// <summary>Runs any program with stdout and stderr captured (through ProcessHandle, so statuses are exact).</summary>
    internal static Task<Outcome> RunProgramAsync(string path, string[] argv) => RunProgramAsync(path, argv, out _);

    private static Task<Outcome> RunProgramAsync(string path, string[] argv, out int pid)
    {
        var stdout = new AnonymousPipeServerStream(PipeDirection.In);
        var stderr = new AnonymousPipeServerStream(PipeDirection.In);
        ProcessHandle process;
        using (stdout.ClientSafePipeHandle)
        using (stderr.ClientSafePipeHandle)
        {
            process = ProcessHandle.Start(path, argv, new StartOptions { Stdout = stdout.ClientSafePipeHandle, Stderr = stderr.ClientSafePipeHandle });
        }
        pid = process.Pid;
        return CollectAsync(process, stdout, stderr);
    }

    private static async Task<Outcome> CollectAsync(ProcessHandle process, AnonymousPipeServerStream stdout, AnonymousPipeServerStream stderr)
    {
        using (stdout)
        using (stderr)
        using (process)
        {
            stdout.DisposeLocalCopyOfClientHandle();
            stderr.DisposeLocalCopyOfClientHandle();
            Task<string> outText = new StreamReader(stdout, Encoding.UTF8).ReadToEndAsync();
            Task<string> errText = new StreamReader(stderr, Encoding.UTF8).ReadToEndAsync();
            ProcessState state;
            try
            {
                state = await process.WaitAsync().WaitAsync(s_hangBound);
            }
            catch (TimeoutException)
            {
                // Hung: end it (by its own handle) so that nothing outlives the test, and say what it printed.
                process.Kill();
                await process.WaitAsync();
                string printed = outText.IsCompleted && errText.IsCompleted ? $": stdout [{outText.Result}], stderr [{errText.Result}]" : "";
                throw new TimeoutException($"process {process.Pid} ran for {s_hangBound} and was killed{printed}");
            }
            return new Outcome(state, await outText, await errText);
        }
    }
}
