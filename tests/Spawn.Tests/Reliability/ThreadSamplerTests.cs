using Spawn.Tests.Support;

namespace Spawn.Tests.Reliability;

/// <summary>
/// The suite's own thread sampler reads /proc/self/task/*/comm while threads start and end; a
/// thread that exits between the listing and the read must not fail the test that samples.
/// </summary>
public sealed class ThreadSamplerTests
{
    [Fact]
    public void Thread_names_are_read_while_threads_come_and_go()
    {
        using var stop = new CancellationTokenSource();
        var churners = Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var shortLived = new Thread(static () => { }) { Name = "short-lived" };
                shortLived.Start();
                shortLived.Join();
            }
        })).ToList();
        churners.ForEach(t => t.Start());
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(2);
            int reads = 0;
            while (DateTime.UtcNow < deadline)
            {
                Assert.NotEmpty(ProcessTable.ThreadNames());
                reads++;
            }
            Assert.True(reads > 10, $"only {reads} reads in 2 s");
        }
        finally
        {
            stop.Cancel();
            churners.ForEach(t => t.Join());
        }
    }
}
