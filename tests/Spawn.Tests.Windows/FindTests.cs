using System.Diagnostics;
using Spawn.Tests.Windows.Support;

namespace Spawn.Tests.Windows;

/// <summary>Find: a handle to a process Spawn did not start, by its ID.</summary>
public sealed class FindTests
{
    [Fact]
    public async Task Find_of_a_non_child_waits_for_its_exit_and_reads_its_code()
    {
        using Process other = Process.Start(new ProcessStartInfo(ChildProgram.Path, [ChildProgram.Verb, "sleep", "1"]) { UseShellExecute = false })!;
        using ProcessHandle found = ProcessHandle.Find(other.Id);

        Assert.False(found.IsChild);
        Assert.Equal(other.Id, found.Pid);
        Assert.True(found.Signal(0));
        ProcessState state = await found.WaitAsync(TestContext.Current.CancellationToken).WaitAsync(Child.Bound, TestContext.Current.CancellationToken);
        Assert.Equal(0, state.ExitCode);
        Assert.False(found.Signal(0));
        other.WaitForExit();
    }

    [Fact]
    public void Find_of_a_non_child_can_kill_it()
    {
        using Process other = Process.Start(new ProcessStartInfo(ChildProgram.Path, [ChildProgram.Verb, "sleep", "60"]) { UseShellExecute = false })!;
        try
        {
            using ProcessHandle found = ProcessHandle.Find(other.Id);
            Assert.True(found.Kill());
            Assert.Equal(Signals.SIGKILL, found.Wait().Signal);
            Assert.True(other.WaitForExit(Child.Bound));
        }
        finally
        {
            if (!other.HasExited) other.Kill();
        }
    }

    [Fact]
    public void Disposing_a_found_handle_fails_its_pending_waits()
    {
        using Process other = Process.Start(new ProcessStartInfo(ChildProgram.Path, [ChildProgram.Verb, "sleep", "60"]) { UseShellExecute = false })!;
        try
        {
            ProcessHandle found = ProcessHandle.Find(other.Id);
            Task<ProcessState> pending = found.WaitAsync(TestContext.Current.CancellationToken);
            found.Dispose();
            var failure = Assert.Throws<AggregateException>(() => pending.Wait(Child.Bound));
            Assert.IsType<ObjectDisposedException>(failure.InnerException);
        }
        finally
        {
            other.Kill();
            other.WaitForExit();
        }
    }

    [Fact]
    public void Find_of_an_ID_no_process_has_gives_a_finished_handle()
    {
        // Process IDs are multiples of 4, far below this one.
        using ProcessHandle found = ProcessHandle.Find(0x7FFFFFF0);

        Assert.True(found.HasExited);
        Assert.Equal(ExitStatusSource.Unknown, found.Wait().Source);
        Assert.False(found.Kill());
    }
}
