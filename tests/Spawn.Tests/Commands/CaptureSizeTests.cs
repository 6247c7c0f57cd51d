using Spawn.Tests.Support;

namespace Spawn.Tests.Commands;

/// <summary>
/// A capture without a limit is one array, so it holds at most Array.MaxLength bytes. Past that the
/// child still runs to its end (the rest is read and dropped) and the caller gets Spawn's own
/// exception naming the limit. Holds about 2 GiB while it runs, so it runs alone.
/// </summary>
[Collection(IsolatedCollection.Name)]
public sealed class CaptureSizeTests
{
    [Fact]
    public async Task Output_past_the_largest_array_throws_OutputTooLargeException_after_the_child_ends()
    {
        long written = Array.MaxLength + 4096L;
        var command = new Command("head", "-c", written.ToString(System.Globalization.CultureInfo.InvariantCulture), "/dev/zero");
        var e = await Assert.ThrowsAsync<OutputTooLargeException>(() => command.OutputBytesAsync().WaitAsync(TimeSpan.FromMinutes(2)));
        Assert.Equal(written, e.BytesWritten);
        Assert.Contains("WithCaptureLimit", e.Message);
        Assert.Empty(ProcessTable.Children());
    }
}
