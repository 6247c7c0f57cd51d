using System.Collections;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// The spawn step on Windows: one CreateProcessW with an extended start, so that the child inherits
/// exactly the handles it was given and nothing else.
/// </summary>
/// <remarks>
/// <para>Windows passes handles by inheritance: a child started with bInheritHandles gets every
/// inheritable handle of its parent, including those other code in this process made inheritable.
/// So the child's handles are duplicated as inheritable copies, named in
/// PROC_THREAD_ATTRIBUTE_HANDLE_LIST (the only handles the child then inherits), and the copies
/// are closed once the child exists.</para>
/// <para>Standard handles the caller leaves unset are the NUL device, as /dev/null is on Linux.
/// <see cref="StartOptions.ExtraFiles"/> have no numbering on Windows: the child inherits them
/// under new handle values, which it finds in the environment variable <see cref="ExtraHandlesVariable"/>
/// (decimal values separated by commas, in order).</para>
/// </remarks>
[SupportedOSPlatform("windows")]
internal static class WindowsSpawner
{
    /// <summary>The environment variable that tells a child the values of its extra inherited handles.</summary>
    internal const string ExtraHandlesVariable = "SPAWN_EXTRA_HANDLES";

    /// <summary>Starts the child; the caller owns the returned process handle.</summary>
    /// <exception cref="ProcessStartException">It could not be started; nothing is left behind.</exception>
    internal static unsafe SafeProcessHandle Start(string path, IReadOnlyList<string> argv, StartOptions? options, SafeHandle? job, out int pid)
    {
        if (options is { NeedsLinuxClone: true })
        {
            throw new PlatformNotSupportedException("StartOptions.CgroupPath, UserId, GroupId, SupplementaryGroups and ParentDeathSignal are Linux options; Windows has none of them.");
        }
        if (path.EndsWith(".bat", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".cmd", StringComparison.OrdinalIgnoreCase))
        {
            // Windows would run it through cmd.exe, which splits and expands the line by rules of its
            // own: the quoting below would not protect the arguments.
            throw new ProcessStartException(path, Errno.ENOEXEC, "a batch file runs through cmd.exe, whose quoting differs from every program's; start cmd.exe /c with it explicitly");
        }
                string commandLine = WindowsCommandLine.Build(argv);
        if (commandLine.Length >= WindowsCommandLine.MaxLength)
        {
            throw new ProcessStartException(path, Errno.E2BIG, $"the command line is {commandLine.Length} characters; Windows takes at most {WindowsCommandLine.MaxLength - 1}");
        }
        string? workingDirectory = options?.WorkingDirectory;
        string program = workingDirectory is not null && !Path.IsPathRooted(path) ? Path.Combine(workingDirectory, path) : path;

        var inherited = new List<nint>(3 + (options?.ExtraFiles?.Count ?? 0));
        SafeFileHandle? nul = null;
        nint attributes = 0;
        try
        {
            nint stdin = InheritableCopy(options?.Stdin ?? (nul ??= OpenNul()), inherited);
            nint stdout = InheritableCopy(options?.Stdout ?? (nul ??= OpenNul()), inherited);
            nint stderr = InheritableCopy(options?.Stderr ?? (nul ??= OpenNul()), inherited);
            string? extraHandles = null;
            if (options?.ExtraFiles is { Count: > 0 } extras)
            {
                extraHandles = string.Join(',', extras.Select(f => InheritableCopy(f, inherited).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
            string environment = EnvironmentBlock(options?.Environment, extraHandles);

            nint[] handleList = [.. inherited.Distinct()];
            nint jobHandle = job?.DangerousGetHandle() ?? 0;
            attributes = AttributeList(job is null ? 1 : 2);
            fixed (nint* handles = handleList)
            {
                Update(attributes, Kernel32.PROC_THREAD_ATTRIBUTE_HANDLE_LIST, (nint)handles, handleList.Length * sizeof(nint));
                if (job is not null) Update(attributes, Kernel32.PROC_THREAD_ATTRIBUTE_JOB_LIST, (nint)(&jobHandle), sizeof(nint));

                var startup = new Kernel32.STARTUPINFOEXW
                {
                    cb = (uint)sizeof(Kernel32.STARTUPINFOEXW),
                    dwFlags = Kernel32.STARTF_USESTDHANDLES,
                    hStdInput = stdin,
                    hStdOutput = stdout,
                    hStdError = stderr,
                    lpAttributeList = attributes,
                };
                uint flags = Kernel32.CREATE_UNICODE_ENVIRONMENT | Kernel32.EXTENDED_STARTUPINFO_PRESENT;
                if (options is { NewProcessGroup: true } or { NewSession: true }) flags |= Kernel32.CREATE_NEW_PROCESS_GROUP;
                if (options is { NewSession: true }) flags |= Kernel32.DETACHED_PROCESS;

                Kernel32.PROCESS_INFORMATION info;
                bool created;
                fixed (char* application = program)
                fixed (char* line = commandLine)
                fixed (char* block = environment)
                fixed (char* directory = workingDirectory)
                {
                    created = Kernel32.CreateProcess(application, line, 0, 0, inheritHandles: true, flags, block, directory, &startup, &info);
                }
                if (!created) throw StartFailed(path, Marshal.GetLastPInvokeError(), workingDirectory);
                Kernel32.CloseHandle(info.hThread);
                pid = info.dwProcessId;
                return new SafeProcessHandle(info.hProcess, ownsHandle: true);
            }
        }
        finally
        {
            if (attributes != 0)
            {
                Kernel32.DeleteProcThreadAttributeList(attributes);
                Marshal.FreeHGlobal(attributes);
            }
            foreach (nint copy in inherited) Kernel32.CloseHandle(copy);
            nul?.Dispose();
        }
    }

    /// <summary>An inheritable duplicate of <paramref name="handle"/>, recorded in <paramref name="copies"/> to be closed after the start.</summary>
    private static nint InheritableCopy(SafeHandle handle, List<nint> copies)
    {
        nint self = Kernel32.GetCurrentProcess();
        if (!Kernel32.DuplicateHandle(self, handle, self, out nint copy, 0, inheritHandle: true, Kernel32.DUPLICATE_SAME_ACCESS))
        {
            throw new ProcessStartException("(handle)", Errno.EBADF, $"a handle for the child could not be duplicated: {WindowsError.Describe(Marshal.GetLastPInvokeError())}");
        }
        copies.Add(copy);
        return copy;
    }

    private static SafeFileHandle OpenNul()
    {
        SafeFileHandle nul = Kernel32.CreateFile("NUL", Kernel32.GENERIC_READ | Kernel32.GENERIC_WRITE, Kernel32.FILE_SHARE_READ | Kernel32.FILE_SHARE_WRITE, 0, Kernel32.OPEN_EXISTING, 0, 0);
        if (nul.IsInvalid)
        {
            int error = Marshal.GetLastPInvokeError();
            nul.Dispose();
            throw new ProcessStartException("NUL", Errno.ENOENT, $"the NUL device could not be opened: {WindowsError.Describe(error)}");
        }
        return nul;
    }

    private static nint AttributeList(int count)
    {
        nint size = 0;
        Kernel32.InitializeProcThreadAttributeList(0, count, 0, ref size);
        nint list = Marshal.AllocHGlobal(size);
        if (!Kernel32.InitializeProcThreadAttributeList(list, count, 0, ref size))
        {
            int error = Marshal.GetLastPInvokeError();
            Marshal.FreeHGlobal(list);
            throw new ProcessStartException("(attribute list)", Errno.ENOMEM, WindowsError.Describe(error));
        }
        return list;
    }

    private static void Update(nint list, nint attribute, nint value, int size)
    {
        if (!Kernel32.UpdateProcThreadAttribute(list, 0, attribute, value, size, 0, 0))
        {
            throw new ProcessStartException("(attribute list)", Errno.EINVAL, WindowsError.Describe(Marshal.GetLastPInvokeError()));
        }
    }

    /// <summary>"NAME=value\0...\0\0": the caller's entries, or this process's environment as .NET sees it.</summary>
    internal static string EnvironmentBlock(IReadOnlyList<string>? entries, string? extraHandles)
    {
        var block = new StringBuilder();
        if (entries is not null)
        {
            foreach (string entry in entries)
            {
                if (entry.Contains('\0', StringComparison.Ordinal)) throw new ArgumentException("An environment entry contains a NUL character.", nameof(entries));
                if (extraHandles is not null && entry.StartsWith(ExtraHandlesVariable + "=", StringComparison.OrdinalIgnoreCase)) continue;
                block.Append(entry).Append('\0');
            }
        }
        else
        {
            foreach (DictionaryEntry variable in System.Environment.GetEnvironmentVariables())
            {
                string name = (string)variable.Key;
                if (extraHandles is not null && name.Equals(ExtraHandlesVariable, StringComparison.OrdinalIgnoreCase)) continue;
                block.Append(name).Append('=').Append((string?)variable.Value).Append('\0');
            }
        }
        if (extraHandles is not null) block.Append(ExtraHandlesVariable).Append('=').Append(extraHandles).Append('\0');
        // An empty block still needs its two terminating NULs.
        if (block.Length == 0) block.Append('\0');
        block.Append('\0');
        return block.ToString();
    }

    /// <summary>A Windows error as the errno the public API speaks, with the Windows error in the message.</summary>
    private static ProcessStartException StartFailed(string path, int error, string? workingDirectory)
    {
        Errno errno = error switch
        {
            Kernel32.ERROR_FILE_NOT_FOUND or Kernel32.ERROR_PATH_NOT_FOUND => Errno.ENOENT,
            Kernel32.ERROR_DIRECTORY => Errno.ENOENT,
            Kernel32.ERROR_ACCESS_DENIED or Kernel32.ERROR_ELEVATION_REQUIRED => Errno.EACCES,
            Kernel32.ERROR_BAD_EXE_FORMAT or Kernel32.ERROR_BAD_FORMAT => Errno.ENOEXEC,
            Kernel32.ERROR_NOT_ENOUGH_MEMORY => Errno.ENOMEM,
            Kernel32.ERROR_FILENAME_EXCED_RANGE => Errno.E2BIG,
            _ => Errno.EINVAL,
        };
        string detail = WindowsError.Describe(error);
        if (error == Kernel32.ERROR_DIRECTORY) detail += $" (the working directory '{workingDirectory}')";
        return new ProcessStartException(path, errno, detail);
    }
}
