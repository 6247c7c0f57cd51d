using System.Text;

namespace Spawn.Tests.Terminals;

/// <summary>Reads a terminal's output in the background, so a test can wait for text to appear.</summary>
internal sealed class TerminalReader
{
    private readonly StringBuilder _text = new();
    private readonly SemaphoreSlim _changed = new(0);

    internal TerminalReader(Stream output) => Completion = PumpAsync(output);

    /// <summary>Completes when the terminal's output ends (every program closed it).</summary>
    internal Task Completion { get; }

    internal string Text
    {
        get
        {
            lock (_text) return _text.ToString();
        }
    }

    private async Task PumpAsync(Stream output)
    {
        var decoder = Encoding.UTF8.GetDecoder();
        byte[] buffer = new byte[4096];
        char[] chars = new char[4096 + 4];
        while (true)
        {
            int read = await output.ReadAsync(buffer);
            if (read == 0) break;
            int count = decoder.GetChars(buffer, 0, read, chars, 0);
            lock (_text) _text.Append(chars, 0, count);
            _changed.Release();
        }
        _changed.Release();
    }

    /// <summary>Waits until the output contains <paramref name="expected"/> (after <paramref name="from"/>), for up to 30 s; returns the index after it.</summary>
    internal async Task<int> WaitForAsync(string expected, int from = 0)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            string text = Text;
            int index = text.IndexOf(expected, from, StringComparison.Ordinal);
            if (index >= 0) return index + expected.Length;
            if (Completion.IsCompleted && text == Text) throw new Xunit.Sdk.XunitException($"The terminal's output ended without \"{expected}\": \"{text}\"");
            TimeSpan left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"\"{expected}\" did not appear in the terminal's output: \"{text}\"");
            await _changed.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }
}
