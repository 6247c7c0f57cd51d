using Spawn.Internal;

namespace Spawn.Tests.Commands;

/// <summary>
/// The drain of a sink of Spawn's own memory reads on the reactor thread; it must take only a few
/// reads per wake-up, or a child that never stops writing would keep every other event waiting.
/// </summary>
public sealed class OutputDrainTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_drain_on_the_reactor_stops_after_a_few_reads_while_data_is_still_waiting()
    {
        var (read, write) = PipePair.Create(parentReads: true);
        using var writer = new FileStream(write, FileAccess.Write, bufferSize: 0);
        writer.Write(new byte[64 * 1024]); // fits any pipe: 16 of the sink's 4 KiB reads
        var sink = new SmallLendingSink();
        int testThread = Environment.CurrentManagedThreadId;

        // The first turn runs here, synchronously, up to the drain's first wait.
        Task drain = OutputDrain.RunAsync(sink, new EpollPipeStream(read, readable: true), tail: null);
        int readHere = sink.ReadsOn(testThread);

        writer.Dispose(); // end of file
        await drain.WaitAsync(HangGuard);
        Assert.Equal(64 * 1024, sink.Total);
        // Data was still in the pipe, yet the first turn ended after 4 reads; the reactor did the rest.
        Assert.Equal(4, readHere);
        Assert.Equal(4, sink.ReadsOn(testThread));
        Assert.True(sink.Reads > 4);
    }

    /// <summary>Lends 4 KiB at a time and notes the thread of every read.</summary>
    private sealed class SmallLendingSink : OutputSink
    {
        private readonly byte[] _buffer = new byte[4096];
        private readonly List<int> _threads = [];

        internal long Total { get; private set; }

        internal int Reads
        {
            get
            {
                lock (_threads) return _threads.Count;
            }
        }

        internal int ReadsOn(int threadId)
        {
            lock (_threads) return _threads.Count(t => t == threadId);
        }

        internal override bool MayDrainOnReactor => true;

        internal override Memory<byte> GetReadBuffer() => _buffer;

        internal override void Advance(int count)
        {
            lock (_threads) _threads.Add(Environment.CurrentManagedThreadId);
            Total += count;
        }

        internal override ValueTask WriteAsync(ReadOnlyMemory<byte> bytes) => throw new InvalidOperationException("this sink lends its buffer");
    }
}
