using System.Diagnostics;
using System.Text;

namespace Spawn.Tests.Api;

/// <summary>A pipeline runs as a command does and returns results of the same family.</summary>
public sealed class PipelineSurfaceTests
{
    [Fact]
    public async Task A_pipeline_result_is_a_command_result()
    {
        CommandResult result = await (new Command("echo", "hi") | new Command("cat")).RunAsync();
        PipelineResult pipeline = Assert.IsType<PipelineResult>(result);
        Assert.Equal(CommandOutcome.Succeeded, result.Outcome);
        Assert.Equal(2, pipeline.Members.Count);
        Assert.Same(pipeline.Members[1].Command.Program, result.Command.Program);
        Assert.True(result.StartTime <= pipeline.Members[1].StartTime);
    }

    [Fact]
    public async Task Text_capture_takes_an_encoding()
    {
        var latin1 = Encoding.Latin1;
        BufferedPipelineResult result = await (new Command("printf", "\\351t\\351") | new Command("cat")).OutputAsync(latin1);
        Assert.Equal("été", result.StandardOutput);
        Assert.Equal("", result.StandardError);
    }

    [Fact]
    public async Task Bytes_are_captured_as_for_a_command()
    {
        BinaryPipelineResult result = await (new Command("printf", "\\000\\001\\377") | new Command("cat")).OutputBytesAsync();
        Assert.Equal(new byte[] { 0, 1, 255 }, result.StandardOutput);
    }

    [Fact]
    public async Task The_capture_limit_keeps_head_and_tail()
    {
        BufferedPipelineResult result = await (new Command("seq", "1", "100000") | new Command("cat")).WithCaptureLimit(1024).OutputAsync();
        Assert.True(result.StandardOutput.Length < 2048, result.StandardOutput.Length.ToString());
        Assert.StartsWith("1\n2\n", result.StandardOutput);
        Assert.EndsWith("99999\n100000\n", result.StandardOutput);
    }

    [Fact]
    public async Task Lines_stream_from_the_last_command_then_the_result()
    {
        var lines = (new Command("printf", "b\\na\\n") | new Command("sort")).StreamLinesAsync();
        var texts = new List<string>();
        await foreach (OutputLine line in lines) texts.Add(line.Text);
        Assert.Equal(["a", "b"], texts);
        PipelineResult result = await lines.Result;
        Assert.Equal(2, result.Members.Count);
    }

    [Fact]
    public async Task A_timeout_ends_every_member_and_the_exception_carries_every_result()
    {
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<CommandTimeoutException>(() =>
            (new Command("sleep", "30") | new Command("sleep", "30")).WithTimeout(TimeSpan.FromMilliseconds(200)).RunAsync());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), clock.Elapsed.ToString());
        PipelineResult result = Assert.IsType<PipelineResult>(e.Result);
        Assert.All(result.Members, m => Assert.Equal(CommandOutcome.TimedOut, m.Outcome));
        Assert.Equal(TimeSpan.FromMilliseconds(200), e.Timeout);
        Assert.Contains("sleep 30 | sleep 30", e.Message);
    }

    [Fact]
    public async Task A_cancelled_pipeline_throws_a_CommandCanceledException_with_every_members_result()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var e = await Assert.ThrowsAsync<CommandCanceledException>(() => (new Command("sleep", "30") | new Command("cat")).RunAsync(cts.Token));
        PipelineResult result = Assert.IsType<PipelineResult>(e.Result);
        Assert.Equal(2, result.Members.Count);
        Assert.Equal(CommandOutcome.Canceled, result.Outcome);
        Assert.IsAssignableFrom<OperationCanceledException>(e);
    }

    [Fact]
    public async Task Without_throwing_a_pipeline_returns_its_outcome()
    {
        Pipeline pipeline = (new Command("sleep", "30") | new Command("cat")).WithThrowOnFailure(false);
        Assert.False(pipeline.ThrowsOnFailure);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        PipelineResult canceled = await pipeline.RunAsync(cts.Token);
        Assert.Equal(CommandOutcome.Canceled, canceled.Outcome);
        PipelineResult failed = await (new Command("false") | new Command("cat")).WithThrowOnFailure(false).RunAsync();
        Assert.Equal(CommandOutcome.NonZeroExit, failed.Outcome);
        Assert.Equal(1, failed.ExitCode);
    }

    [Fact]
    public void Synchronous_forms_mirror_the_async_ones()
    {
        Pipeline pipeline = new Command("printf", "x\\ny\\n") | new Command("wc", "-l");
        Assert.True(pipeline.Run().Success);
        Assert.Equal("2", pipeline.Output().StandardOutput.Trim());
        Assert.Equal("2", Encoding.ASCII.GetString(pipeline.OutputBytes().StandardOutput).Trim());
        Assert.Throws<PipelineFailedException>(() => (new Command("false") | new Command("cat")).Run());
        Assert.Throws<CommandTimeoutException>(() => (new Command("sleep", "30") | new Command("cat")).WithTimeout(TimeSpan.FromMilliseconds(100)).Run());
    }

    [Fact]
    public void The_timeout_and_capture_limit_survive_appending()
    {
        Pipeline pipeline = (new Command("a") | new Command("b")).WithTimeout(TimeSpan.FromSeconds(3)).WithCaptureLimit(100) | new Command("c");
        Assert.Equal(TimeSpan.FromSeconds(3), pipeline.Timeout);
        Assert.Equal(100, pipeline.CaptureLimit);
    }
}

/// <summary>The blocking forms of a command's run methods.</summary>
public sealed class SynchronousFormTests
{
    [Fact]
    public void Run_Output_and_OutputBytes_mirror_the_async_forms()
    {
        Assert.Equal(0, new Command("true").Run().ExitCode);
        BufferedCommandResult text = new Command("sh", "-c", "echo out; echo err >&2").Output();
        Assert.Equal("out\n", text.StandardOutput);
        Assert.Equal("err\n", text.StandardError);
        Assert.Equal("\u00e9\n", new Command("printf", "\\351\\n").Output(Encoding.Latin1).StandardOutput);
        Assert.Equal(new byte[] { 1, 2 }, new Command("printf", "\\001\\002").OutputBytes().StandardOutput);
    }

    [Fact]
    public void They_throw_as_the_async_forms_do()
    {
        Assert.Throws<CommandFailedException>(() => new Command("false").Run());
        Assert.Throws<CommandFailedException>(() => new Command("false").Output());
        Assert.Throws<CommandTimeoutException>(() => new Command("sleep", "30").WithTimeout(TimeSpan.FromMilliseconds(100)).OutputBytes());
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        Assert.Throws<CommandCanceledException>(() => new Command("sleep", "30").Run(cts.Token));
    }
}
