using System.IO.Pipes;
using System.Text;

namespace Spawn.Tests.Windows.Support;

/// <summary>Starting the test child and reading what it writes, through Spawn's handle layer only.</summary>
internal static class Child
{
    internal static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    /// <summary>Runs the child with <paramref name="command"/>, its stdout to a pipe; returns the output and the state.</summary>
    internal static (byte[] Output, ProcessState State) Run(string[] command, StartOptions? options = null, byte[]? input = null) =>
        RunArgv(ChildProgram.Argv(command), options, input);

    internal static (byte[] Output, ProcessState State) RunArgv(string[] argv, StartOptions? options = null, byte[]? input = null)
    {
        using var stdout = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.None);
        using var stdin = new AnonymousPipeServerStream(PipeDirection.Out, HandleInheritability.None);
        var settings = new StartOptions
        {
            WorkingDirectory = options?.WorkingDirectory,
            Environment = options?.Environment,
            ExtraFiles = options?.ExtraFiles,
            NewProcessGroup = options?.NewProcessGroup ?? false,
            Stdout = stdout.ClientSafePipeHandle,
            Stdin = input is null ? null : stdin.ClientSafePipeHandle,
        };
        using ProcessHandle child = ProcessHandle.Start(argv[0], argv, settings);
        stdout.DisposeLocalCopyOfClientHandle();
        stdin.DisposeLocalCopyOfClientHandle();
        Task feed = Task.Run(() =>
        {
            if (input is not null) stdin.Write(input);
            stdin.Dispose();
        });
        var output = new MemoryStream();
        Task read = stdout.CopyToAsync(output);
        Task<ProcessState> exit = child.WaitAsync();
        if (!Task.WaitAll([feed, read, exit], Bound))
        {
            // Killed first, so that the feed and the copy end (a broken pipe, end of file) and the
            // pipes can be closed: closing a pipe under a blocked write or read may itself block.
            child.Kill();
            child.Wait();
            Assert.Fail($"the child did not finish within {Bound} (fed: {feed.IsCompleted}, read: {read.IsCompleted}, exited: {exit.IsCompleted})");
        }
        return (output.ToArray(), exit.Result);
    }

    internal static string Text(byte[] output) => Encoding.UTF8.GetString(output);
}
