using Spawn.Tests.Support;

namespace Spawn.Tests;

/// <summary>
/// Our ends of a child's pipes live as long as the child, so once a process holds many descriptors
/// they are kept at fd 1024 and above: the low numbers stay free for the ends later children get,
/// whose fd-table copy on the fast path reaches only up to the highest of those. A process holding
/// few keeps them low: growing the fd table costs an RCU grace period. Fills the low fd range, so
/// it runs in the isolated collection.
/// </summary>
[Collection(IsolatedCollection.Name)]
public sealed class DescriptorPlacementTests
{
    [Fact]
    public async Task With_many_descriptors_held_our_ends_of_a_childs_pipes_sit_at_1024_or_above()
    {
        // Earlier tests' dropped streams and handles are closed by finalizers, at whatever GC comes
        // next: let that happen now rather than in the middle of the test.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        for (int attempt = 1; ; attempt++)
        {
            // Every number below 64 taken, as in a process that holds many children.
            var fillers = new List<int>();
            try
            {
                int fd;
                while ((fd = Native.Dup(0)) >= 0 && fd < 64) fillers.Add(fd);
                if (fd >= 0) Native.Close(fd);
                int[] ours = await EndsOfACatsPipes();
                // With every number below 64 taken, an end below 64 took a slot some other thread of
                // this process closed meanwhile (a finalizer, an earlier test's exit watcher): a fd
                // that low is rightly left where it is, and says nothing of the placement. Try again.
                if (ours.Any(fd => fd < 64) && attempt < 10) continue;
                Assert.Equal(2, ours.Length);
                // Not moved, an end sits at 64 or just above (the lowest free number).
                Assert.All(ours, fd => Assert.True(fd >= 1024, $"our end of the child's pipe is fd {fd}"));
                return;
            }
            finally
            {
                foreach (int fd in fillers) Native.Close(fd);
            }
        }
    }

    /// <summary>Our descriptors of a running cat's stdin and stdout pipes.</summary>
    private static async Task<int[]> EndsOfACatsPipes()
    {
        await using ChildProcess child = new Command("/bin/cat").WithStdin(InputSource.Pipe).WithStdout(OutputTarget.Pipe).Start();

        string childStdin = PipeOf(child.Pid, 0);
        string childStdout = PipeOf(child.Pid, 1);
        int[] ours = [.. Fds.Of(Environment.ProcessId).Where(fd => PipeOfOrNull(Environment.ProcessId, fd) is { } pipe && (pipe == childStdin || pipe == childStdout))];

        await child.Stdin!.DisposeAsync();
        Assert.Equal(0, (await child.WaitAsync().WaitAsync(TimeSpan.FromSeconds(20))).ExitCode);
        return ours;
    }

    private static string PipeOf(int pid, int fd) =>
        PipeOfOrNull(pid, fd) ?? throw new InvalidOperationException($"fd {fd} of process {pid} is not a pipe");

    private static string? PipeOfOrNull(int pid, int fd)
    {
        try
        {
            string target = new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget ?? "";
            return target.StartsWith("pipe:", StringComparison.Ordinal) ? target : null;
        }
        catch (IOException)
        {
            return null; // closed meanwhile
        }
    }
}
