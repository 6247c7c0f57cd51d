using System.IO.Pipes;
using Spawn.Tests.Windows.Support;

namespace Spawn.Tests.Windows;

/// <summary>Output, input and a pipeline of two children, over handles the children inherit.</summary>
public sealed class PipeTests
{
    [Fact]
    public void Large_output_arrives_whole_and_in_order()
    {
        const int size = 16 * 1024 * 1024;
        (byte[] output, ProcessState state) = Child.Run(["write-stdout", size.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        Assert.Equal(0, state.ExitCode);
        Assert.Equal(size, output.Length);
        byte[] expected = ChildProgram.Pattern(size);
        Assert.True(expected.AsSpan().SequenceEqual(output), "the output differs from the pattern");
    }

    [Fact]
    public void Stdin_reaches_the_child_and_comes_back()
    {
        byte[] input = ChildProgram.Pattern(3 * 1024 * 1024 + 17);
        (byte[] output, ProcessState state) = Child.Run(["echo"], input: input);

        Assert.Equal(0, state.ExitCode);
        Assert.True(input.AsSpan().SequenceEqual(output), "stdin did not come back unchanged");
    }

    [Fact]
    public void Two_children_joined_by_a_pipe_carry_the_data_through()
    {
        const int size = 4 * 1024 * 1024;
        using var between = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.None);
        using var last = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.None);
        using ProcessHandle writer = ProcessHandle.Start(ChildProgram.Path, ChildProgram.Argv("write-stdout", size.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new StartOptions { Stdout = between.ClientSafePipeHandle });
        between.DisposeLocalCopyOfClientHandle();
        using ProcessHandle echo = ProcessHandle.Start(ChildProgram.Path, ChildProgram.Argv("echo"),
            new StartOptions { Stdin = between.SafePipeHandle, Stdout = last.ClientSafePipeHandle });
        between.Dispose(); // the read end is the second child's alone now
        last.DisposeLocalCopyOfClientHandle();

        var output = new MemoryStream();
        last.CopyTo(output);

        Assert.Equal(0, writer.Wait().ExitCode);
        Assert.Equal(0, echo.Wait().ExitCode);
        Assert.True(ChildProgram.Pattern(size).AsSpan().SequenceEqual(output.ToArray()), "the data changed on its way through");
    }
}
