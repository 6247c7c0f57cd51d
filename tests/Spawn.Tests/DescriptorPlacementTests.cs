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
        // Every number below 64 taken, as in a process that holds many children.
        var fillers = new List<int>();
        try
        {
            int fd;
            while ((fd = Native.Dup(0)) >= 0 && fd < 64) fillers.Add(fd);
            if (fd >= 0) Native.Close(fd);
            await PipesOfACatSitHigh();
        }
        finally
        {
            foreach (int fd in fillers) Native.Close(fd);
        }
    }

    private static async Task PipesOfACatSitHigh()
    {
        await using ChildProcess child = new Command("/bin/cat").WithStdin(InputSource.Pipe).WithStdout(OutputTarget.Pipe).Start();

        string childStdin = PipeOf(child.Pid, 0);
        string childStdout = PipeOf(child.Pid, 1);
        int[] ours = [.. Fds.Of(Environment.ProcessId).Where(fd => PipeOfOrNull(Environment.ProcessId, fd) is { } pipe && (pipe == childStdin || pipe == childStdout))];

        Assert.Equal(2, ours.Length);
        Assert.All(ours, fd => Assert.True(fd >= 1024, $"our end of the child's pipe is fd {fd}"));

        await child.Stdin!.DisposeAsync();
        Assert.Equal(0, (await child.WaitAsync().WaitAsync(TimeSpan.FromSeconds(20))).ExitCode);
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
