using System.Buffers;
using System.Collections;
using System.Runtime.InteropServices;
using System.Text;

namespace Spawn.Internal;

/// <summary>
/// The program path, argv, envp and working directory as NUL-terminated UTF-8 in one native block
/// (pointer arrays first, then the bytes), so a start makes one allocation for all of them.
/// Strings are checked for NUL bytes first: the child would otherwise silently see a cut string.
/// </summary>
internal unsafe ref struct NativeSpawnArguments
{
    private byte* _block;

    internal byte* Path;
    internal byte* WorkingDirectory;
    internal byte** Argv;
    internal byte** Envp;

    /// <remarks>
    /// Each caller collection is read exactly once, into a pooled snapshot: a list whose items or count
    /// change between reads (another thread, a computed list) cannot make the size pass and the copy
    /// disagree, and every native write is bounded by the block's remaining size.
    /// </remarks>
    internal static NativeSpawnArguments Create(string path, IReadOnlyList<string> argv, IReadOnlyList<string>? environment, string? workingDirectory)
    {
        string[] args = Snapshot(argv, out int argCount);
        string[]? variables = null;
        try
        {
            if (argCount == 0) throw new ArgumentException("argv must hold at least argv[0].", nameof(argv));
            RejectNul(path, "path");
            for (int i = 0; i < argCount; i++)
            {
                RejectNul(args[i] ?? throw new ArgumentException($"argv[{i}] is null.", nameof(argv)), "argv", i);
            }
            if (workingDirectory is not null) RejectNul(workingDirectory, "working directory");

            // The environment as name, value, name, value, ... when inherited (one pass through the
            // runtime's copy, without boxing an entry per variable), or "name=value" entries as given.
            int envCount;
            bool pairs = environment is null;
            if (pairs)
            {
                variables = SnapshotEnvironment(out envCount);
            }
            else
            {
                variables = Snapshot(environment!, out envCount);
                for (int i = 0; i < envCount; i++)
                {
                    RejectNul(variables[i] ?? throw new ArgumentException($"Environment entry {i} is null.", nameof(environment)), "StartOptions.Environment", i);
                }
            }
            int envStrings = pairs ? 2 * envCount : envCount;

            // Sizes first, so one block holds everything.
            long bytes = Size(path) + (workingDirectory is null ? 0 : Size(workingDirectory));
            for (int i = 0; i < argCount; i++) bytes += Size(args[i]);
            for (int i = 0; i < envStrings; i++) bytes += Size(variables[i]);
            long pointerBytes = ((long)argCount + 1 + envCount + 1) * sizeof(byte*);

            var result = new NativeSpawnArguments();
            result._block = (byte*)NativeMemory.Alloc((nuint)(pointerBytes + bytes));
            try
            {
                result.Fill(path, workingDirectory, args, argCount, variables, envCount, pairs, pointerBytes, bytes);
            }
            catch
            {
                result.Dispose();
                throw;
            }
            return result;
        }
        finally
        {
            ArrayPool<string>.Shared.Return(args, clearArray: true);
            if (variables is not null) ArrayPool<string>.Shared.Return(variables, clearArray: true);
        }
    }

    /// <summary>Lays the strings out in the block: argv and envp pointer arrays first, then the bytes.</summary>
    private void Fill(string path, string? workingDirectory, string[] args, int argCount, string[] variables, int envCount, bool pairs, long pointerBytes, long bytes)
    {
        Argv = (byte**)_block;
        Envp = Argv + argCount + 1;
        var cursor = new Cursor(_block + pointerBytes, bytes);

        Path = cursor.Put(path);
        WorkingDirectory = workingDirectory is null ? null : cursor.Put(workingDirectory);
        for (int i = 0; i < argCount; i++) Argv[i] = cursor.Put(args[i]);
        Argv[argCount] = null;
        for (int e = 0; e < envCount; e++)
        {
            Envp[e] = pairs ? cursor.Put(variables[2 * e], variables[(2 * e) + 1]) : cursor.Put(variables[e]);
        }
        Envp[envCount] = null;
    }

    /// <summary>The list's items, each read once, into a pooled array (<paramref name="count"/> of them).</summary>
    private static string[] Snapshot(IReadOnlyList<string> list, out int count)
    {
        count = list.Count;
        if (count < 0) throw new ArgumentException("The list reports a negative count.", nameof(list));
        string[] copy = ArrayPool<string>.Shared.Rent(Math.Max(count, 1));
        try
        {
            for (int i = 0; i < count; i++) copy[i] = list[i];
        }
        catch
        {
            ArrayPool<string>.Shared.Return(copy, clearArray: true);
            throw;
        }
        return copy;
    }

    /// <summary>
    /// The runtime's environment (on Linux .NET keeps its own copy, which
    /// <see cref="System.Environment.SetEnvironmentVariable(string, string)"/> changes and libc's
    /// environ does not see) as a pooled array of name, value pairs.
    /// </summary>
    private static string[] SnapshotEnvironment(out int count)
    {
        IDictionary variables = System.Environment.GetEnvironmentVariables();
        string[] flat = ArrayPool<string>.Shared.Rent(Math.Max(2 * variables.Count, 2));
        count = 0;
        IDictionaryEnumerator entries = variables.GetEnumerator();
        while (entries.MoveNext() && count < variables.Count)
        {
            flat[2 * count] = (string)entries.Key;
            flat[(2 * count) + 1] = (string?)entries.Value ?? "";
            count++;
        }
        return flat;
    }

    public void Dispose()
    {
        NativeMemory.Free(_block);
        _block = null;
    }

    /// <summary>
    /// <paramref name="what"/> and <paramref name="index"/> name the string only in the message, built
    /// on failure alone: a start checks every argument and variable, and must not make a string for each.
    /// </summary>
    private static void RejectNul(string value, string what, int index = -1)
    {
        int at = value.IndexOf('\0', StringComparison.Ordinal);
        if (at >= 0)
        {
            string name = index < 0 ? what : $"{what}[{index}]";
            throw new ArgumentException($"The {name} contains a NUL character at index {at}; the operating system cannot pass it to a program.");
        }
    }

    private static long Size(string value) => Encoding.UTF8.GetByteCount(value) + 1;

    /// <summary>Writes NUL-terminated UTF-8 strings into the block, never past its end.</summary>
    private ref struct Cursor(byte* start, long length)
    {
        private byte* _next = start;
        private long _left = length;

        internal byte* Put(string value)
        {
            byte* start = _next;
            Append(value);
            Terminate(0);
            return start;
        }

        /// <summary>"key=value": the size pass reserved room for '=' and the terminating NUL.</summary>
        internal byte* Put(string key, string value)
        {
            byte* start = _next;
            Append(key);
            Terminate((byte)'=');
            Append(value);
            Terminate(0);
            return start;
        }

        private void Append(string value)
        {
            int room = (int)Math.Min(_left, int.MaxValue);
            // Throws rather than writes past the block if the string no longer fits.
            int written = Encoding.UTF8.GetBytes(value, new Span<byte>(_next, room));
            _next += written;
            _left -= written;
        }

        private void Terminate(byte terminator)
        {
            if (_left < 1) throw new InvalidOperationException("The argument block is smaller than its size pass computed: a bug in Spawn.");
            *_next++ = terminator;
            _left--;
        }
    }
}
