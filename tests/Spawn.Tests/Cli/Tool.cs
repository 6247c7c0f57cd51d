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
            ProcessState state = await process.WaitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            return new Outcome(state, await outText, await errText);
        }
    }
}
