using System.Collections;
using System.Runtime.InteropServices;

namespace Spawn.Tests.Reliability;

/// <summary>
/// Caller data that changes under Spawn, or lies about what it is, must end in a documented outcome:
/// a normal start or an ArgumentException, never memory corruption or a write to an unrelated fd.
/// </summary>
public sealed class HostileInputTests
{
    /// <summary>A list whose items grow after they were first read: 16 MiB strings from the third read on.</summary>
    private sealed class GrowingItems(string first) : IReadOnlyList<string>
    {
        private int _reads;

        public string this[int index] => ++_reads <= 2 ? first : new string('x', 16 << 20);

        public int Count => 1;

        public IEnumerator<string> GetEnumerator()
        {
            for (int i = 0; i < Count; i++) yield return this[i];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>A list whose count grows after it was first read, with items that exist at every index.</summary>
    private sealed class GrowingCount(string item) : IReadOnlyList<string>
    {
        private int _reads;

        public string this[int index] => item;

        public int Count => ++_reads <= 1 ? 1 : 100_000;

        public IEnumerator<string> GetEnumerator()
        {
            for (int i = 0; i < 1; i++) yield return item;
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    [Fact]
    public void Argv_items_that_change_between_reads_are_read_once()
    {
        using var child = ProcessHandle.Start("/bin/true", new GrowingItems("true"));
        Assert.Equal(0, child.Wait().ExitCode);
    }

    [Fact]
    public void An_argv_count_that_changes_between_reads_is_read_once()
    {
        using var child = ProcessHandle.Start("/bin/true", new GrowingCount("true"));
        Assert.Equal(0, child.Wait().ExitCode);
    }

    [Fact]
    public void Environment_entries_that_change_between_reads_are_read_once()
    {
        using var child = ProcessHandle.Start("/bin/sh", ["sh", "-c", "test \"$A\" = 1"], new StartOptions { Environment = new GrowingItems("A=1") });
        Assert.Equal(0, child.Wait().ExitCode);
        using var counted = ProcessHandle.Start("/bin/sh", ["sh", "-c", "test \"$A\" = 1"], new StartOptions { Environment = new GrowingCount("A=1") });
        Assert.Equal(0, counted.Wait().ExitCode);
    }

    /// <summary>A handle whose value is whatever the test says, owning nothing.</summary>
    private sealed class ArbitraryHandle : SafeHandle
    {
        public ArbitraryHandle(long value) : base(-1, ownsHandle: false) => SetHandle((nint)value);

        public override bool IsInvalid => false;

        protected override bool ReleaseHandle() => true;
    }

    [Theory]
    [InlineData(1L << 32)]
    [InlineData(-2L)]
    public void A_handle_value_that_is_not_an_int_is_refused_not_truncated(long offset)
    {
        // (1 << 32) + fd would be truncated to fd: the write end of a pipe of ours.
        using var pipe = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.In);
        long value = offset + (offset > 0 ? pipe.ClientSafePipeHandle.DangerousGetHandle() : 0);
        using var bogus = new ArbitraryHandle(value);
        var e = Assert.Throws<ArgumentException>(() => ProcessHandle.Start("/bin/sh", ["sh", "-c", "echo leaked"], new StartOptions { Stdout = bogus }));
        Assert.Contains("not a file descriptor", e.Message);
    }
}
