using Spawn.Tests.Support;

namespace Spawn.Tests;

/// <summary>
/// As after Go's Wait, a process whose exit a caller has awaited holds no OS handle any more: the
/// pidfd is closed before any waiter resumes, not a moment after by the thread that saw the exit.
/// A caller that counts its descriptors right after a run must find none left.
/// </summary>
public sealed class HandleReleaseOrderTests
{
    private const int Rounds = 200;

    /// <summary>Lives long enough for its pidfd to be read while it runs, most rounds.</summary>
    private static readonly string[] s_briefChild = ["sleep", "0.01"];

    [Fact]
    public async Task The_pidfd_is_closed_when_WaitAsync_returns()
    {
        SkipWithoutPidfd();
        int checkedRounds = 0;
        for (int round = 0; round < Rounds; round++)
        {
            using var child = ProcessHandle.Start("/bin/sleep", s_briefChild);
            (int fd, string? identity) = PidfdOf(child);
            await child.WaitAsync().WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
            if (identity is null) continue;
            checkedRounds++;
            Assert.NotEqual(identity, Fds.Identity(fd));
        }
        Assert.True(checkedRounds > 0, "every child was gone before its pidfd could be read");
    }

    [Fact]
    public async Task The_pidfd_is_closed_when_a_command_run_returns()
    {
        SkipWithoutPidfd();
        var command = new Command("/bin/sleep").WithArguments(s_briefChild[1..]);
        int checkedRounds = 0;
        for (int round = 0; round < Rounds; round++)
        {
            using ChildProcess child = command.Start();
            (int fd, string? identity) = PidfdOf(child.Handle);
            await child.WaitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
            if (identity is null) continue;
            checkedRounds++;
            Assert.NotEqual(identity, Fds.Identity(fd));
        }
        Assert.True(checkedRounds > 0, "every child was gone before its pidfd could be read");
    }

    [Fact]
    public void The_pidfd_is_closed_when_a_blocking_Wait_returns()
    {
        SkipWithoutPidfd();
        int checkedRounds = 0;
        for (int round = 0; round < Rounds / 4; round++)
        {
            using var child = ProcessHandle.Start("/bin/sleep", s_briefChild);
            (int fd, string? identity) = PidfdOf(child);
            child.Wait();
            if (identity is null) continue;
            checkedRounds++;
            Assert.NotEqual(identity, Fds.Identity(fd));
        }
        Assert.True(checkedRounds > 0, "every child was gone before its pidfd could be read");
    }

    private static void SkipWithoutPidfd()
    {
        if (!ProcessHandle.UsesPidfd) Assert.Skip("PID mode: a process has no pidfd to close");
    }

    /// <summary>
    /// The child's pidfd and what it is, read while the handle holds it (so the number cannot be
    /// another file's yet); no identity when the child was already reaped and its pidfd released.
    /// </summary>
    private static (int Fd, string? Identity) PidfdOf(ProcessHandle child)
    {
        try
        {
            return child.WithHandle(pidfd => (pidfd, Fds.Identity(pidfd)));
        }
        catch (InvalidOperationException)
        {
            return (-1, null);
        }
    }
}
