using System.Diagnostics;
using Spawn.Tests.Commands;
using Spawn.Tests.Support;

namespace Spawn.Tests.Observability;

/// <summary>
/// The span of a command run, heard through an <see cref="ActivityListener"/> as OpenTelemetry
/// hears it. The listener hears every test's runs: each test finds its own span by its child's
/// PID, or by a program name only it uses.
/// </summary>
public sealed class SpanTests : IDisposable
{
    private readonly SpanRecorder _spans = new();

    public void Dispose() => _spans.Dispose();

    private static async Task<(Activity Span, CommandResult Result)> RunAsync(SpanRecorder spans, Command command, CancellationToken token = default)
    {
        await using ChildProcess child = command.Start(token);
        CommandResult result = await child.WaitAsync(CancellationToken.None);
        return (spans.ForPid(child.Pid), result);
    }

    [Fact]
    public async Task A_run_is_one_client_span_named_after_the_executable_with_its_process_attributes()
    {
        var (span, result) = await RunAsync(_spans, new Command("sh", "-c", "exit 0"));

        Assert.Equal("Spawn", span.Source.Name);
        Assert.Equal(typeof(Command).Assembly.GetName().Version?.ToString(), span.Source.Version);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("sh", span.DisplayName);
        Assert.Equal("sh", span.GetTagItem("process.executable.name"));
        string path = Assert.IsType<string>(span.GetTagItem("process.executable.path"));
        Assert.True(Path.IsPathRooted(path) && Path.GetFileName(path) == "sh" && File.Exists(path), path);
        Assert.Equal(result.State.Pid, span.GetTagItem("process.pid"));
        Assert.Equal(0, span.GetTagItem("process.exit.code"));
        Assert.Equal("success", span.GetTagItem("spawn.outcome"));
        Assert.Null(span.GetTagItem("error.type"));
        Assert.Null(span.GetTagItem("spawn.exit.signal"));
        Assert.Null(span.GetTagItem("spawn.wait_delay.expired"));
        Assert.Null(span.GetTagItem("spawn.tree.cpu.time.user"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.True(span.Duration >= result.RunTime - TimeSpan.FromMilliseconds(1), $"{span.Duration} < {result.RunTime}");
    }

    [Fact]
    public async Task Arguments_and_environment_values_never_appear_unless_arguments_are_opted_in()
    {
        string argument = "argument-secret-" + Guid.NewGuid().ToString("N");
        string value = "environment-secret-" + Guid.NewGuid().ToString("N");
        Command command = new Command("sh", "-c", "exit 0", "sh", argument).WithEnvironment("SPAWN_TEST_TOKEN", value);

        var (quiet, _) = await RunAsync(_spans, command);
        Assert.Null(quiet.GetTagItem("process.command_args"));
        Assert.DoesNotContain(SpanRecorder.Texts(quiet), text => text.Contains(argument, StringComparison.Ordinal) || text.Contains(value, StringComparison.Ordinal));

        // Opted in (and kept through a later With... copy): the arguments, argv[0] first; the environment still never.
        var (told, _) = await RunAsync(_spans, command.WithTelemetryArguments().WithWorkingDirectory("/"));
        Assert.Equal(new[] { "sh", "-c", "exit 0", "sh", argument }, told.GetTagItem("process.command_args"));
        Assert.DoesNotContain(SpanRecorder.Texts(told), text => text.Contains(value, StringComparison.Ordinal));
        Assert.True(command.WithTelemetryArguments().RecordsArgumentsInTelemetry);
        Assert.False(command.WithTelemetryArguments().WithTelemetryArguments(false).RecordsArgumentsInTelemetry);
    }

    public static TheoryData<string> FailedOutcomes => ["non_zero", "signal", "timeout", "canceled"];

    [Theory]
    [MemberData(nameof(FailedOutcomes))]
    public async Task A_run_that_did_not_succeed_ends_its_span_as_an_error_naming_the_outcome(string outcome)
    {
        Command command = outcome switch
        {
            "non_zero" => new Command("sh", "-c", "exit 3"),
            "signal" => new Command("sh", "-c", "kill -KILL $$"),
            "timeout" => new Command("sleep", "30").WithTimeout(TimeSpan.FromMilliseconds(200)),
            _ => new Command("sleep", "30"),
        };
        using var cts = new CancellationTokenSource();
        if (outcome == "canceled") cts.CancelAfter(TimeSpan.FromMilliseconds(200));

        var (span, result) = await RunAsync(_spans, command.WithThrowOnFailure(false), cts.Token);

        Assert.Equal(outcome, span.GetTagItem("spawn.outcome"));
        Assert.Equal(outcome, span.GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(result.ToString(), span.StatusDescription);
        if (outcome == "non_zero")
        {
            Assert.Equal(3, span.GetTagItem("process.exit.code"));
            Assert.Null(span.GetTagItem("spawn.exit.signal"));
        }
        else
        {
            // Killed by a signal (the cancel signal, SIGTERM, for a timeout or a cancellation).
            Assert.Null(span.GetTagItem("process.exit.code"));
            Assert.Equal(outcome == "signal" ? "SIGKILL" : "SIGTERM", span.GetTagItem("spawn.exit.signal"));
        }
    }

    [Fact]
    public void A_start_failure_ends_its_span_as_an_error_with_the_exception_but_not_its_message()
    {
        string program = "no-such-program-" + Guid.NewGuid().ToString("N");
        string searched = "/path-secret-" + Guid.NewGuid().ToString("N");
        var e = Assert.Throws<ProcessStartException>(() => new Command(program, "--secret").WithEnvironment("PATH", searched).Run());
        Assert.Contains(searched, e.Message); // the message names the PATH searched: an environment value

        Activity span = _spans.Named(program);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("ENOENT (No such file or directory)", span.StatusDescription);
        Assert.Equal("ENOENT", span.GetTagItem("error.type"));
        Assert.Null(span.GetTagItem("process.pid"));
        ActivityEvent exception = Assert.Single(span.Events);
        Assert.Equal("exception", exception.Name);
        Assert.Contains(exception.Tags, t => t.Key == "exception.type" && Equals(t.Value, typeof(ProcessStartException).FullName));
        Assert.Contains(exception.Tags, t => t.Key == "exception.stacktrace" && t.Value is string trace && trace.Contains(nameof(ChildProcess), StringComparison.Ordinal));
        Assert.DoesNotContain(SpanRecorder.Texts(span), text => text.Contains("--secret", StringComparison.Ordinal) || text.Contains(searched, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_span_lasts_until_the_run_is_complete_including_the_wait_for_its_pipes()
    {
        // The shell exits at once; its background job holds the captured stdout for half a second more.
        await using ChildProcess child = new Command("sh", "-c", "(sleep 0.5; echo late) & echo early").WithStdout(OutputTarget.ToStringBuilder(new System.Text.StringBuilder())).Start();
        CommandResult result = await child.WaitAsync();

        Activity span = _spans.ForPid(child.Pid);
        Assert.True(span.Duration >= TimeSpan.FromSeconds(0.45), $"span {span.Duration}, run {result.RunTime}");
        Assert.True(span.Duration >= result.RunTime - TimeSpan.FromMilliseconds(1), $"span {span.Duration}, run {result.RunTime}");
    }

    [Fact]
    public async Task An_expired_wait_delay_is_on_the_span()
    {
        await using var sleepers = new Sleepers();
        Command command = new Command("sh", "-c", $"{sleepers.Sleeper(30)} & echo started").WithWaitDelay(TimeSpan.FromMilliseconds(200));
        await using ChildProcess child = command.WithStdout(OutputTarget.ToStringBuilder(new System.Text.StringBuilder())).Start();
        await sleepers.FindAsync(1); // held by a handle: killed when the test ends
        CommandResult result = await child.WaitAsync();

        Assert.True(result.WaitDelayExpired);
        Assert.Equal(true, _spans.ForPid(child.Pid).GetTagItem("spawn.wait_delay.expired"));
    }

    [Fact]
    public async Task Starting_leaves_the_callers_current_activity_alone_and_the_span_is_its_child()
    {
        using var parent = new Activity("caller").Start();

        await using (ChildProcess child = new Command("true").Start())
        {
            Assert.Same(parent, Activity.Current);
            await child.WaitAsync();
            Assert.Same(parent, Activity.Current);
            Activity span = _spans.ForPid(child.Pid);
            Assert.Equal(parent.TraceId, span.TraceId);
            Assert.Equal(parent.SpanId, span.ParentSpanId);
        }

        // The blocking wait ends the span on this thread: the caller's activity stays current.
        using (ChildProcess child = new Command("true").Start())
        {
            child.Wait();
            Assert.Same(parent, Activity.Current);
            Assert.Equal(parent.SpanId, _spans.ForPid(child.Pid).ParentSpanId);
        }
    }

    [Fact]
    public async Task A_run_in_a_process_tree_records_the_trees_usage()
    {
        TreeAvailability.SkipUnlessTreesWork();
        var (span, result) = await RunAsync(_spans, new Command(ChildProgram.Path, "burn", "0.1").WithProcessTree());

        TreeUsage tree = Assert.IsType<TreeUsage>(result.Tree);
        Assert.Equal(tree.UserTime.TotalSeconds, span.GetTagItem("spawn.tree.cpu.time.user"));
        Assert.Equal(tree.SystemTime.TotalSeconds, span.GetTagItem("spawn.tree.cpu.time.system"));
        Assert.Equal(tree.PeakMemoryBytes, (long?)span.GetTagItem("spawn.tree.memory.peak"));
        Assert.Equal("success", span.GetTagItem("spawn.outcome"));
    }
}
