using System.IO.Pipes;
using Spawn.Tests.Windows.Support;

namespace Spawn.Tests.Windows;

/// <summary>
/// A child inherits exactly the handles it is given: not an inheritable handle some other code in
/// this process made (the decoy), which would otherwise keep a pipe open for the child's lifetime.
/// </summary>
public sealed class InheritanceTests
{
    [Fact]
    public void A_decoy_inheritable_handle_does_not_reach_the_child()
    {
        using var decoy = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.Inheritable);
        using ProcessHandle child = ProcessHandle.Start(ChildProgram.Path, ChildProgram.Argv("sleep", "30"));
        try
        {
            decoy.DisposeLocalCopyOfClientHandle();
            // The write end's only copy was ours: the read sees the end now, not when the child exits.
            Task<int> read = decoy.ReadAsync(new byte[1], 0, 1);
            Assert.True(read.Wait(TimeSpan.FromSeconds(10)), "the pipe stayed open: the child inherited the decoy");
            Assert.Equal(0, read.Result);
            Assert.False(child.HasExited);
        }
        finally
        {
            child.Kill();
            child.Wait();
        }
    }

    [Fact]
    public void The_control_a_handle_given_as_stdout_does_reach_the_child_and_holds_the_pipe_open()
    {
        using var stdout = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.None);
        using ProcessHandle child = ProcessHandle.Start(ChildProgram.Path, ChildProgram.Argv("sleep", "30"), new StartOptions { Stdout = stdout.ClientSafePipeHandle });
        try
        {
            stdout.DisposeLocalCopyOfClientHandle();
            Task<int> read = stdout.ReadAsync(new byte[1], 0, 1);
            Assert.False(read.Wait(TimeSpan.FromSeconds(2)), "the pipe ended while the child held its write end");
            child.Kill();
            Assert.True(read.Wait(Child.Bound));
            Assert.Equal(0, read.Result);
        }
        finally
        {
            child.Kill();
            child.Wait();
        }
    }

    [Fact]
    public void Extra_handles_reach_the_child_whose_environment_names_their_values()
    {
        using var first = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.None);
        using var second = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.None);
        using ProcessHandle child = ProcessHandle.Start(ChildProgram.Path, ChildProgram.Argv("write-extra-handles"),
            new StartOptions { ExtraFiles = [first.ClientSafePipeHandle, second.ClientSafePipeHandle] });
        first.DisposeLocalCopyOfClientHandle();
        second.DisposeLocalCopyOfClientHandle();
        using var firstReader = new StreamReader(first);
        using var secondReader = new StreamReader(second);

        Assert.StartsWith("hello ", firstReader.ReadToEnd(), StringComparison.Ordinal);
        Assert.StartsWith("hello ", secondReader.ReadToEnd(), StringComparison.Ordinal);
        Assert.Equal(0, child.Wait().ExitCode);
    }

    [Fact]
    public void The_environment_and_working_directory_are_the_ones_given()
    {
        string directory = Path.GetTempPath().TrimEnd('\\');
        (byte[] env, _) = Child.Run(["print-env", "SPAWN_TEST_VALUE"], new StartOptions { Environment = ["SPAWN_TEST_VALUE=ü x=y", "SYSTEMROOT=" + Environment.GetEnvironmentVariable("SYSTEMROOT")] });
        (byte[] cwd, _) = Child.Run(["print-cwd"], new StartOptions { WorkingDirectory = directory });
        (byte[] unset, _) = Child.Run(["print-env", "SPAWN_TEST_VALUE"], new StartOptions { Environment = ["SYSTEMROOT=" + Environment.GetEnvironmentVariable("SYSTEMROOT")] });

        Assert.Equal("ü x=y", Child.Text(env));
        Assert.Equal(directory, Child.Text(cwd).TrimEnd('\\'), ignoreCase: true);
        Assert.Equal("(unset)", Child.Text(unset));
    }

    [Fact]
    public void Without_an_environment_the_child_gets_ours_as_dotnet_sees_it()
    {
        Environment.SetEnvironmentVariable("SPAWN_TEST_INHERITED", "from the parent");
        try
        {
            (byte[] output, _) = Child.Run(["print-env", "SPAWN_TEST_INHERITED"]);
            Assert.Equal("from the parent", Child.Text(output));
        }
        finally
        {
            Environment.SetEnvironmentVariable("SPAWN_TEST_INHERITED", null);
        }
    }
}
