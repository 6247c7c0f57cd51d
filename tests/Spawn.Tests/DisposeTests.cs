using Spawn.Tests.Support;

namespace Spawn.Tests;

public sealed class DisposeTests
{
    [Fact]
    public void Double_dispose_is_harmless()
    {
        var child = ProcessHandle.Start("/bin/true", ["true"]);
        child.Wait();
        child.Dispose();
        child.Dispose();

        var running = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        using var observer = ProcessHandle.Find(running.Pid);
        running.Dispose();
        running.Dispose();
        observer.Kill();
        observer.Wait();
    }

    [Fact]
    public void WithHandle_runs_under_a_reference_and_is_refused_after_the_end()
    {
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        if (!ProcessHandle.UsesPidfd)
        {
            Assert.Throws<PlatformNotSupportedException>(() => child.WithHandle(fd => fd));
            child.Kill();
            child.Wait();
            Assert.Throws<InvalidOperationException>(() => child.WithHandle(fd => fd));
            return;
        }

        int fd = child.WithHandle(fd => fd);
        Assert.True(fd > 2);
        Assert.Contains("pidfd", new FileInfo($"/proc/self/fd/{fd}").LinkTarget);
        child.Kill();
        child.Wait();
        Assert.Throws<InvalidOperationException>(() => child.WithHandle(fd => fd));
        child.Dispose();
        Assert.Throws<ObjectDisposedException>(() => child.WithHandle(fd => fd));
    }

    [Fact]
    public void Dispose_of_a_non_child_fails_its_pending_async_wait()
    {
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        var other = ProcessHandle.Find(child.Pid);
        Task<ProcessState> wait = other.WaitAsync();
        other.Dispose();
        var e = Assert.ThrowsAny<Exception>(() => wait.Wait(TimeSpan.FromSeconds(10)));
        Assert.IsType<ObjectDisposedException>(e.InnerException ?? e);
        child.Kill();
        child.Wait();
    }
}
