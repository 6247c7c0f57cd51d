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

    internal static NativeSpawnArguments Create(string path, IReadOnlyList<string> argv, IReadOnlyList<string>? environment, string? workingDirectory)
    {
        RejectNul(path, "path");
        for (int i = 0; i < argv.Count; i++)
        {
            RejectNul(argv[i] ?? throw new ArgumentException($"argv[{i}] is null.", nameof(argv)), "argv", i);
        }
        if (workingDirectory is not null) RejectNul(workingDirectory, "working directory");

        // The inherited environment, as .NET sees it, flattened to name, value, name, value, ...
        // (one pass through the runtime's copy, without boxing an entry per variable).
        string[]? inherited = null;
        int envCount;
        if (environment is null)
        {
            inherited = SnapshotEnvironment(out envCount);
        }
        else
        {
            for (int i = 0; i < environment.Count; i++)
            {
                RejectNul(environment[i] ?? throw new ArgumentException($"Environment entry {i} is null.", nameof(environment)), "StartOptions.Environment", i);
            }
            envCount = environment.Count;
        }

        // Sizes first, so one block holds everything.
        long bytes = Size(path) + (workingDirectory is null ? 0 : Size(workingDirectory));
        for (int i = 0; i < argv.Count; i++) bytes += Size(argv[i]);
        if (inherited is not null)
        {
            for (int i = 0; i < 2 * envCount; i++) bytes += Size(inherited[i]);
        }
        else
        {
            for (int i = 0; i < environment!.Count; i++) bytes += Size(environment[i]);
        }
        long pointerBytes = (long)(argv.Count + 1 + envCount + 1) * sizeof(byte*);

        var result = new NativeSpawnArguments();
        try
        {
            result._block = (byte*)NativeMemory.Alloc((nuint)(pointerBytes + bytes));
        }
        catch
        {
            if (inherited is not null) ArrayPool<string>.Shared.Return(inherited, clearArray: true);
            throw;
        }
        result.Argv = (byte**)result._block;
        result.Envp = result.Argv + argv.Count + 1;
        byte* cursor = result._block + pointerBytes;

        result.Path = Put(ref cursor, path);
        result.WorkingDirectory = workingDirectory is null ? null : Put(ref cursor, workingDirectory);
        for (int i = 0; i < argv.Count; i++) result.Argv[i] = Put(ref cursor, argv[i]);
        result.Argv[argv.Count] = null;

        int e = 0;
        if (inherited is not null)
        {
            for (; e < envCount; e++) result.Envp[e] = Put(ref cursor, inherited[2 * e], inherited[(2 * e) + 1]);
            ArrayPool<string>.Shared.Return(inherited, clearArray: true);
        }
        else
        {
            for (; e < environment!.Count; e++) result.Envp[e] = Put(ref cursor, environment[e]);
        }
        result.Envp[e] = null;
        return result;
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

    private static byte* Put(ref byte* cursor, string value)
    {
        byte* start = cursor;
        int written = Encoding.UTF8.GetBytes(value, new Span<byte>(cursor, int.MaxValue));
        cursor[written] = 0;
        cursor += written + 1;
        return start;
    }

    private static byte* Put(ref byte* cursor, string key, string value)
    {
        // "key=value": Size(key) + Size(value) reserved room for '=' and the terminating NUL.
        byte* start = cursor;
        int written = Encoding.UTF8.GetBytes(key, new Span<byte>(cursor, int.MaxValue));
        cursor[written] = (byte)'=';
        cursor += written + 1;
        written = Encoding.UTF8.GetBytes(value, new Span<byte>(cursor, int.MaxValue));
        cursor[written] = 0;
        cursor += written + 1;
        return start;
    }
}
