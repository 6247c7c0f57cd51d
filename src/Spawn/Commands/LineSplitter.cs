using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Spawn;

/// <summary>
/// Decodes one stream's bytes and takes lines out of them one at a time: '\n' ends a line, a '\r'
/// before it is dropped, and after the last bytes a rest without '\n' is a line too. A character or a
/// line split across reads is carried over to the next. Each line's string is made straight from
/// the decoded text when it is taken, so a line is copied once, and a consumer that takes lines as
/// it uses them keeps no more than one alive.
/// </summary>
/// <remarks>Not thread-safe: one stream, one reader at a time.</remarks>
internal sealed class LineSplitter(Encoding encoding)
{
    /// <summary>
    /// Bytes decoded at a time: 16 KiB make at most about 16 Ki chars, which with a carried line fit
    /// a pooled 32 Ki-char (64 KiB) buffer. A 64 KiB read decoded at once would need 128 KiB of
    /// chars: a large-object-heap array, whose allocations bring on full collections.
    /// </summary>
    private const int SliceBytes = 16 * 1024;
    private const int FirstBufferSize = 4096;

    /// <summary>The longest unfinished line set aside between feeds; a longer one keeps its buffer, so it is not copied back and forth with every feed.</summary>
    private const int MaxCarry = 4096;

    private readonly Decoder _decoder = encoding.GetDecoder();

    /// <summary>
    /// Decoded text, pooled, held only while fed bytes are being taken apart: [_start, _end) is not
    /// taken yet, and [_start, _searchFrom) holds no '\n'. Between feeds the unfinished line waits
    /// in <see cref="_carry"/> instead, so a splitter that waits for its stream's next bytes holds
    /// no large buffer (hundreds of streams would each hold one and outgrow the pool).
    /// </summary>
    private char[] _chars = [];
    private int _start;
    private int _end;
    private int _searchFrom;

    /// <summary>The start of a line no fed byte has ended yet (no '\n' in it), kept between feeds.</summary>
    private char[] _carry = [];
    private int _carried;

    /// <summary>Fed bytes not decoded yet.</summary>
    private ReadOnlyMemory<byte> _pending;

    private bool _final;
    private bool _flushed;

    /// <summary>
    /// Adds the stream's next bytes; <paramref name="final"/> says no more will come (the rest is a
    /// line of its own). The bytes must stay as they are until <see cref="TryReadLine"/> returns false.
    /// </summary>
    internal void Feed(ReadOnlyMemory<byte> bytes, bool final = false)
    {
        _pending = bytes;
        _final |= final;
    }

    /// <summary>The next complete line, or false when the fed bytes hold no more (every byte fed is then decoded).</summary>
    internal bool TryReadLine([NotNullWhen(true)] out string? line)
    {
        while (true)
        {
            int newline = _chars.AsSpan(_searchFrom, _end - _searchFrom).IndexOf('\n');
            if (newline >= 0)
            {
                int end = _searchFrom + newline;
                line = MakeLine(_chars.AsSpan(_start, end - _start));
                _start = _searchFrom = end + 1;
                return true;
            }
            _searchFrom = _end;
            if (!_pending.IsEmpty)
            {
                ReadOnlySpan<byte> slice = _pending.Span[..Math.Min(_pending.Length, SliceBytes)];
                _pending = _pending[slice.Length..];
                Decode(slice, flush: false);
                continue;
            }
            if (!_final)
            {
                SetAside();
                break;
            }
            if (!_flushed)
            {
                // The decoder may hold the start of a character the stream never finished.
                _flushed = true;
                Decode([], flush: true);
                continue;
            }
            if (_end > _start)
            {
                line = MakeLine(_chars.AsSpan(_start, _end - _start));
                _start = _searchFrom = _end;
                return true;
            }
            Release();
            break;
        }
        line = null;
        return false;
    }

    /// <summary>Gives the text buffer back to the pool; the splitter is done.</summary>
    internal void Release()
    {
        ReturnChars();
        _carried = 0;
    }

    /// <summary>Everything fed is decoded: a short unfinished line moves to the carry, the text buffer back to the pool.</summary>
    private void SetAside()
    {
        int length = _end - _start;
        if (_chars.Length == 0 || length > MaxCarry) return; // set aside already, or a long line that keeps its buffer
        if (_carry.Length < length) _carry = new char[Math.Min(MaxCarry, Math.Max(length, Math.Max(256, _carry.Length * 2)))];
        _chars.AsSpan(_start, length).CopyTo(_carry);
        _carried = length;
        ReturnChars();
    }

    private void ReturnChars()
    {
        if (_chars.Length > 0) ArrayPool<char>.Shared.Return(_chars);
        _chars = [];
        _start = _end = _searchFrom = 0;
    }

    private void Decode(ReadOnlySpan<byte> bytes, bool flush)
    {
        if (_chars.Length == 0)
        {
            // Back from the carry: the untaken text is the unfinished line.
            int needed = _carried + encoding.GetMaxCharCount(bytes.Length);
            _chars = ArrayPool<char>.Shared.Rent(Math.Max(needed, FirstBufferSize));
            _carry.AsSpan(0, _carried).CopyTo(_chars);
            _start = 0;
            _end = _searchFrom = _carried;
            _carried = 0;
        }
        else
        {
            // Untaken text moves to the front (it is at most one unfinished line) to make room.
            int carried = _end - _start;
            int needed = carried + encoding.GetMaxCharCount(bytes.Length);
            char[] target = _chars.Length < needed
                ? ArrayPool<char>.Shared.Rent(Math.Max(needed, _chars.Length * 2))
                : _chars;
            if (target != _chars || _start > 0) _chars.AsSpan(_start, carried).CopyTo(target);
            if (target != _chars) ArrayPool<char>.Shared.Return(_chars);
            _chars = target;
            _searchFrom -= _start;
            _start = 0;
            _end = carried;
        }
        // Room for the most the decoder can make of these bytes and of what it holds back from
        // earlier ones (StreamReader sizes its buffer the same way).
        _end += _decoder.GetChars(bytes, _chars.AsSpan(_end), flush);
    }

    private static string MakeLine(ReadOnlySpan<char> line) => new(line.EndsWith('\r') ? line[..^1] : line);
}
