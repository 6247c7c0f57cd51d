using System.Globalization;
using Spawn.Tests.Support;

namespace Spawn.Tests;

/// <summary>A process's unique ID (its pidfs inode), PID:INODE lookups, and PIDFD_GET_INFO descriptions.</summary>
public sealed class IdentityTests
{
    private static void SkipUnlessPidfs()
    {
        using var self = ProcessHandle.Find(Environment.ProcessId);
        if (self.UniqueId is null) Assert.Skip("this kernel has no pidfs (Linux 6.9+), or pidfds are refused here: there is no unique process ID");
    }

    [Fact]
    public void A_child_has_a_unique_id_that_another_handle_to_it_agrees_with()
    {
        SkipUnlessPidfs();
        using var first = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        using var second = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        try
        {
            Assert.NotNull(first.UniqueId);
            Assert.NotEqual(first.UniqueId, second.UniqueId);
            Assert.Equal($"{first.Pid}:{first.UniqueId}", first.QualifiedId);
            using var found = ProcessHandle.Find(first.Pid);
            Assert.Equal(first.UniqueId, found.UniqueId);
        }
        finally
        {
            first.Kill();
            second.Kill();
            first.Wait();
            second.Wait();
        }
        Assert.NotNull(first.UniqueId); // still known after the reap
    }

    [Fact]
    public void The_unique_id_is_the_inode_the_kernel_shows_for_the_pidfd()
    {
        SkipUnlessPidfs();
        if (!ProcessHandle.UsesPidfd) Assert.Skip("PID mode keeps no pidfd to stat");
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        try
        {
            string inode = child.WithHandle(fd =>
                RunForOutput("/usr/bin/stat", "-L", "-c", "%i", $"/proc/{Environment.ProcessId}/fd/{fd}"));
            Assert.Equal(child.UniqueId!.Value.ToString(CultureInfo.InvariantCulture), inode.Trim());
        }
        finally
        {
            child.Kill();
            child.Wait();
        }
    }

    [Fact]
    public void Find_by_pid_and_inode_gives_that_process()
    {
        SkipUnlessPidfs();
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        try
        {
            using var found = ProcessHandle.Find(child.QualifiedId);
            Assert.False(found.IsChild);
            Assert.Equal(child.UniqueId, found.UniqueId);
            Assert.True(found.Signal(0));
        }
        finally
        {
            child.Kill();
            child.Wait();
        }
    }

    [Fact]
    public void Find_with_another_inode_refuses_the_process_that_has_the_pid()
    {
        SkipUnlessPidfs();
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        try
        {
            ulong other = child.UniqueId!.Value + 1;
            var e = Assert.Throws<ProcessGoneException>(() => ProcessHandle.Find($"{child.Pid}:{other}"));
            Assert.Equal(child.Pid, e.Pid);
            Assert.Equal(other, e.ExpectedUniqueId);
            Assert.Equal(child.UniqueId, e.ActualUniqueId);
            Assert.Contains("is gone", e.Message, StringComparison.Ordinal);
            Assert.False(child.HasExited); // refused, not harmed
        }
        finally
        {
            child.Kill();
            child.Wait();
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("12:")]
    [InlineData("12:x")]
    [InlineData(":12")]
    [InlineData("-3")]
    [InlineData("12:0")]
    public void Find_refuses_what_is_not_PID_or_PID_colon_INODE(string id)
    {
        Assert.Throws<FormatException>(() => ProcessHandle.Find(id));
    }

    [Fact]
    public void Find_by_a_bare_pid_string_is_Find_by_pid()
    {
        using var self = ProcessHandle.Find(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Assert.False(self.HasExited);
    }

    [Fact]
    public void GetInfo_describes_the_child_as_the_kernel_has_it()
    {
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"], Native.IsRoot && ProcessHandle.SpawnPath == SpawnPath.LinuxClone
            ? new StartOptions { UserId = 65534, GroupId = 65533 }
            : null);
        try
        {
            ProcessInfo info;
            try
            {
                info = child.GetInfo();
            }
            catch (PlatformNotSupportedException e)
            {
                Assert.Skip(e.Message);
                return;
            }
            Assert.Equal(child.Pid, info.Pid);
            Assert.Equal(Environment.ProcessId, info.ParentPid);
            if (Native.IsRoot && ProcessHandle.SpawnPath == SpawnPath.LinuxClone)
            {
                Assert.Equal(new ProcessCredentials(65534, 65534, 65534, 65534), info.Users);
                Assert.Equal(new ProcessCredentials(65533, 65533, 65533, 65533), info.Groups);
            }
            else
            {
                Assert.Equal(Native.GetEuid(), info.Users.Effective);
            }
            Assert.NotNull(info.CgroupId);
        }
        finally
        {
            child.Kill();
            child.Wait();
        }
        Assert.Throws<InvalidOperationException>(child.GetInfo);
    }

    private static string RunForOutput(string program, params string[] arguments) =>
        new Command(program, arguments).Output().StandardOutput;
}
