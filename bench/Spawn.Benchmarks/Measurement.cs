using System.Diagnostics;
using Spawn.Benchmarks.Floor;

namespace Spawn.Benchmarks;

/// <summary>What one repetition of one contender measured; sent from a worker to the orchestrator as JSON.</summary>
internal sealed class Sample
{
    /// <summary>The scenario's main figure: starts/s, MB/s, seconds, microseconds or bytes, as the scenario says.</summary>
    public double Value { get; set; }

    /// <summary>A second figure where the scenario has one (the idle rate in the held scenario, the neighbour's rate).</summary>
    public double? Other { get; set; }

    /// <summary>Raw latencies (µs) for the latency scenario, pooled by the orchestrator for the 99th percentile.</summary>
    public double[]? Latencies { get; set; }

    /// <summary>Processes started in the measured part (the denominator of allocations per process).</summary>
    public long Processes { get; set; }

    /// <summary>Managed bytes allocated by every thread during the measured part.</summary>
    public long AllocatedBytes { get; set; }

    /// <summary>Threads of the worker process before the contender did anything.</summary>
    public int IdleThreads { get; set; }

    /// <summary>Most threads seen during the measured part.</summary>
    public int PeakThreads { get; set; }

    /// <summary>Threads when the measured part began: after warm-up (and earlier repetitions), the process idle but used.</summary>
    public int StartThreads { get; set; }

    public double Seconds { get; set; }

    /// <summary>Set when the contender does not run in this process (the C loop): no allocation or thread figures.</summary>
    public bool External { get; set; }
}

/// <summary>
/// Samples the thread count of this process (from /proc/self/stat, without allocating, so it does
/// not disturb the allocation figures) on a thread of its own, keeping the peak.
/// </summary>
internal sealed unsafe class ThreadSampler : IDisposable
{
    private readonly Thread _thread;
    private readonly int _periodMs;
    private volatile bool _stop;
    private int _peak;

    internal ThreadSampler(int periodMs)
    {
        _periodMs = periodMs;
        _thread = new Thread(Run) { IsBackground = true, Name = "thread sampler" };
        _thread.Start();
        while (Volatile.Read(ref _peak) == 0) Thread.Sleep(1);
        Idle = Current();
    }

    /// <summary>The count when the sampler started (itself included): the worker's idle count.</summary>
    internal int Idle { get; }

    /// <summary>Starts a new peak from the current count, which it returns.</summary>
    internal int ResetPeak()
    {
        int now = Current();
        Volatile.Write(ref _peak, now);
        return now;
    }

    internal int Peak => Math.Max(Volatile.Read(ref _peak), Current());

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }

    private void Run()
    {
        while (!_stop)
        {
            int now = Current();
            int peak;
            while (now > (peak = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, peak) != peak)
            {
            }
            Thread.Sleep(_periodMs);
        }
    }

    /// <summary>Field 20 of /proc/self/stat: num_threads.</summary>
    internal static int Current()
    {
        byte* buffer = stackalloc byte[1024];
        int fd;
        fixed (byte* path = "/proc/self/stat\0"u8)
        {
            fd = Native.Open(path, Native.O_RDONLY | Native.O_CLOEXEC);
        }
        if (fd < 0) return -1;
        nint length = Native.Read(fd, buffer, 1024);
        Native.Close(fd);
        var text = new ReadOnlySpan<byte>(buffer, (int)Math.Max(0, length));
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        text = text[(text.LastIndexOf((byte)')') + 2)..];
        for (int field = 3; field < 20; field++) text = text[(text.IndexOf((byte)' ') + 1)..];
        int value = 0;
        foreach (byte b in text)
        {
            if (b is < (byte)'0' or > (byte)'9') break;
            value = (value * 10) + (b - '0');
        }
        return value;
    }
}

/// <summary>Times a measured part and collects what it allocated and the thread peak.</summary>
internal readonly struct Meter
{
    private readonly ThreadSampler _threads;
    private readonly int _startThreads;
    private readonly long _allocated;
    private readonly long _start;

    private Meter(ThreadSampler threads)
    {
        _threads = threads;
        _startThreads = threads.ResetPeak();
        _allocated = GC.GetTotalAllocatedBytes(precise: true);
        _start = Stopwatch.GetTimestamp();
    }

    internal static Meter Start(ThreadSampler threads) => new(threads);

    internal double Elapsed => Stopwatch.GetElapsedTime(_start).TotalSeconds;

    /// <summary>Ends the measurement: <paramref name="value"/> is the scenario's figure.</summary>
    internal Sample Stop(double value, long processes, double seconds)
    {
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - _allocated;
        return new Sample
        {
            Value = value,
            Processes = processes,
            AllocatedBytes = allocated,
            IdleThreads = _threads.Idle,
            PeakThreads = _threads.Peak,
            StartThreads = _startThreads,
            Seconds = seconds,
        };
    }
}
