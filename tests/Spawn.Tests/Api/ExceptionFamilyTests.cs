using System.Runtime.InteropServices;

namespace Spawn.Tests.Api;

/// <summary>Everything Spawn throws of its own shares one type; cancellations stay OperationCanceledException.</summary>
public sealed class ExceptionFamilyTests
{
    [Theory]
    [InlineData(typeof(ProcessStartException))]
    [InlineData(typeof(CommandFailedException))]
    [InlineData(typeof(PipelineFailedException))]
    [InlineData(typeof(CgroupUnavailableException))]
    [InlineData(typeof(OutputTooLargeException))]
    public void Failures_derive_from_SpawnException(Type type)
    {
        Assert.True(typeof(SpawnException).IsAssignableFrom(type), type.Name);
        Assert.True(typeof(ISpawnException).IsAssignableFrom(type), type.Name);
    }

    [Theory]
    [InlineData(typeof(CommandCanceledException))]
    [InlineData(typeof(CommandTimeoutException))]
    public void Cancellations_are_OperationCanceledException_and_ISpawnException(Type type)
    {
        Assert.True(typeof(OperationCanceledException).IsAssignableFrom(type), type.Name);
        Assert.True(typeof(ISpawnException).IsAssignableFrom(type), type.Name);
    }

    [Fact]
    public void Every_public_exception_type_of_the_library_is_an_ISpawnException()
    {
        var exceptions = typeof(Command).Assembly.GetExportedTypes().Where(t => typeof(Exception).IsAssignableFrom(t)).ToList();
        Assert.NotEmpty(exceptions);
        Assert.All(exceptions, t => Assert.True(typeof(ISpawnException).IsAssignableFrom(t), t.Name));
    }

    [Fact]
    public async Task A_failed_command_is_caught_as_SpawnException()
    {
        var e = await Assert.ThrowsAnyAsync<SpawnException>(() => new Command("sh", "-c", "exit 4").RunAsync());
        Assert.IsType<CommandFailedException>(e);
        Assert.Null(e.ErrorCode); // no system call failed
        Assert.Null(e.Error);
        Assert.Null(e.ErrorName);
    }

    [Fact]
    public async Task A_cancelled_command_is_caught_as_OperationCanceledException_and_as_ISpawnException()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new Command("sleep", "30").RunAsync(cts.Token));
        Assert.IsAssignableFrom<ISpawnException>(e);
    }

    [Fact]
    public void A_start_failure_keeps_its_errno()
    {
        var e = Assert.Throws<ProcessStartException>(() => new Command("/nonexistent/program").Start());
        Assert.Equal(2, e.ErrorCode);
        Assert.Equal(Errno.ENOENT, e.Error);
        Assert.Equal("ENOENT", e.ErrorName);
    }

    [Fact]
    public void An_errno_the_enum_does_not_name_keeps_its_number()
    {
        var named = new SpawnException("open failed", 24);
        Assert.Equal(Errno.EMFILE, named.Error);
        Assert.Equal("EMFILE", named.ErrorName);

        var unnamed = new SpawnException("ioctl failed", 134);
        Assert.Equal(134, (int)unnamed.Error!.Value);
        Assert.Equal(134, unnamed.ErrorCode);
        Assert.Equal("errno 134", unnamed.ErrorName);
    }

    [Fact]
    public void A_start_failure_branches_on_the_typed_errno()
    {
        string outcome;
        try
        {
            new Command("/nonexistent/program").Start().Dispose();
            outcome = "started";
        }
        catch (ProcessStartException e) when (e.Error is Errno.ENOENT)
        {
            outcome = "not found";
        }
        Assert.Equal("not found", outcome);
    }
}

public sealed class PosixSignalTests
{
    [Theory]
    [InlineData(PosixSignal.SIGHUP, 1)]
    [InlineData(PosixSignal.SIGINT, 2)]
    [InlineData(PosixSignal.SIGQUIT, 3)]
    [InlineData(PosixSignal.SIGTERM, 15)]
    [InlineData(PosixSignal.SIGCHLD, 17)]
    [InlineData(PosixSignal.SIGCONT, 18)]
    [InlineData(PosixSignal.SIGWINCH, 28)]
    [InlineData(PosixSignal.SIGTTIN, 21)]
    [InlineData(PosixSignal.SIGTTOU, 22)]
    [InlineData(PosixSignal.SIGTSTP, 20)]
    [InlineData((PosixSignal)9, 9)]
    public void PosixSignal_maps_to_the_Linux_number(PosixSignal signal, int number) =>
        Assert.Equal(number, Signals.FromPosixSignal(signal));

    [Fact]
    public void An_unknown_PosixSignal_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Signals.FromPosixSignal((PosixSignal)(-100)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Signals.FromPosixSignal((PosixSignal)65));
    }

    [Fact]
    public async Task A_child_can_be_signalled_with_a_PosixSignal()
    {
        await using ChildProcess child = new Command("sleep", "30").WithExitCodeValidation(false).Start();
        Assert.True(child.Signal(PosixSignal.SIGINT));
        CommandResult result = await child.WaitAsync();
        Assert.Equal(Signals.SIGINT, result.State.Signal);
    }

    [Fact]
    public async Task A_group_and_a_handle_take_PosixSignal_too()
    {
        await using ChildProcess child = new Command("sleep", "30").WithNewProcessGroup().WithExitCodeValidation(false).Start();
        Assert.True(child.SignalGroup(PosixSignal.SIGHUP));
        CommandResult result = await child.WaitAsync();
        Assert.Equal(Signals.SIGHUP, result.State.Signal);
        Assert.False(child.Handle.Signal(PosixSignal.SIGTERM)); // finished: no system call
    }

    [Fact]
    public async Task The_cancel_signal_can_be_a_PosixSignal()
    {
        Command command = new Command("sleep", "30").WithCancelSignal(PosixSignal.SIGINT, TimeSpan.FromSeconds(5));
        Assert.Equal(Signals.SIGINT, command.CancelSignal);
        Assert.Equal(Signals.SIGHUP, command.WithParentDeathSignal(PosixSignal.SIGHUP).ParentDeathSignal);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var e = await Assert.ThrowsAsync<CommandCanceledException>(() => command.RunAsync(cts.Token));
        Assert.Equal(Signals.SIGINT, e.Result.State.Signal);
    }
}

public sealed class UnknownFiguresTests
{
    [Fact]
    public async Task Figures_Spawn_reaped_are_known()
    {
        CommandResult result = await new Command("true").WithExactPeakMemory().RunAsync();
        Assert.NotNull(result.State.UserTime);
        Assert.NotNull(result.State.SystemTime);
        if (File.Exists(Path.Combine(AppContext.BaseDirectory, "spawn-exec"))) Assert.NotNull(result.State.MaxRssBytes);
    }

    [Fact]
    public void Figures_of_an_unknown_status_are_null_not_zero()
    {
        ProcessState state = ProcessState.Unknown(12345, "reaped elsewhere");
        Assert.Null(state.UserTime);
        Assert.Null(state.SystemTime);
        Assert.Null(state.MaxRssBytes);
        ProcessState kernel = ProcessState.FromWaitStatus(12345, 3 << 8, ExitStatusSource.PidfdExitInfo);
        Assert.Equal(3, kernel.ExitCode);
        Assert.Null(kernel.MaxRssBytes);
    }
}
