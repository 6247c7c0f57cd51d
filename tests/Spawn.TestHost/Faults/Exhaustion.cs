using Spawn;

namespace Spawn.TestHost.Faults;

/// <summary>
/// Starts at a resource limit, in this process only:
/// <list type="bullet">
/// <item><c>exhaust-nofile</c>: RLIMIT_NOFILE lowered and every fd below it taken, then 0, 1, 2 ...
/// slots freed: each start either works or throws a typed EMFILE error naming RLIMIT_NOFILE, and
/// takes no slot with it (counted by filling the table again). Then the limit is raised and starts
/// work again; the fd table is what it was.</item>
/// <item><c>exhaust-nproc</c>: RLIMIT_NPROC lowered to 1 — as root after becoming another user
/// first (root is exempt from it) — so every fork fails: each start throws a typed EAGAIN error
/// naming RLIMIT_NPROC, leaving no fd and no child. Then the limit is raised and starts work again.</item>
/// </list>
/// Prints a summary line; exit 0 when all was as it should be.
/// </summary>
internal static class Exhaustion
{
    private const int NofileLimit = 200;
    private const int MostFreedSlots = 7;

    /// <param name="cold">
    /// Spawn's first use happens at the limit: everything it sets up once (the pidfd probe, the
    /// native library, /dev/null, the epoll thread) meets a full fd table. It may fail typed, never
    /// otherwise, and must not settle for less for good: once the limit is raised the mode and path
    /// are those of an unlimited start. What it keeps open for good is only /dev/null and the epoll
    /// instance.
    /// </param>
    internal static int Nofile(bool cold)
    {
        if (cold) WarmUpOwnCalls();
        else WarmUp();
        int[] before = Libc.OpenFds();
        if (Libc.GetRLimit(Libc.RLIMIT_NOFILE, out Libc.RLimit original) != 0) throw new InvalidOperationException("getrlimit");

        var problems = new List<string>();
        int typed = 0, started = 0, leaked = 0;
        SetSoftLimit(Libc.RLIMIT_NOFILE, NofileLimit, original);
        var fillers = new Stack<int>();
        try
        {
            FdTable.Fill(fillers);
            for (int free = 0; free <= MostFreedSlots; free++)
            {
                foreach (bool command in new[] { false, true })
                {
                    for (int i = 0; i < free; i++) Libc.Close(fillers.Pop());
                    string what = $"{(command ? "Command" : "ProcessHandle.Start")} with {free} free fd slots";
                    switch (TryStart(command, Libc.EMFILE, "RLIMIT_NOFILE", what, problems))
                    {
                        case true: started++; break;
                        case false: typed++; break;
                    }
                    // What the attempt released must all be free again: fill it and count.
                    int refilled = 0;
                    var deadline = DateTime.UtcNow.AddSeconds(2);
                    while (true)
                    {
                        refilled += FdTable.Fill(fillers);
                        if (refilled >= free || DateTime.UtcNow > deadline) break;
                        Thread.Sleep(5); // a reaped child's pidfd closes just after its wait returns
                    }
                    if (refilled != free && !cold)
                    {
                        leaked += free - refilled;
                        problems.Add($"{what}: {free - refilled} fd(s) still taken after it");
                    }
                }
            }
        }
        finally
        {
            while (fillers.Count > 0) Libc.Close(fillers.Pop());
            SetSoftLimit(Libc.RLIMIT_NOFILE, original.Current, original);
        }

        int[] after = Libc.OpenFds();
        if (cold)
        {
            // Spawn's lasting descriptors, opened by its first use: allowed once each.
            string[] kept = [.. after.Except(before).Select(Describe).Order()];
            Console.WriteLine($"kept by Spawn's first use: [{string.Join(", ", kept)}]");
            if (kept.Length > 2 || kept.Distinct().Count() != kept.Length || kept.Any(k => k is not ("/dev/null" or "anon_inode:[eventpoll]")))
            {
                problems.Add($"kept after a cold start: [{string.Join(", ", kept)}]");
            }
        }
        else if (!before.SequenceEqual(after))
        {
            problems.Add($"fds before [{string.Join(' ', before)}], after [{string.Join(' ', after)}]");
            foreach (int fd in after.Except(before)) problems.Add($"fd {fd}: {Describe(fd)}");
        }
        var (children, zombies) = Libc.ChildCount();
        if (children != 0) problems.Add($"{children} children left ({zombies} zombies)");
        bool recovered = TryStart(command: false, 0, "", "ProcessHandle.Start after the limit was raised", problems) == true
            && TryStart(command: true, 0, "", "Command after the limit was raised", problems) == true;
        return Report(cold ? "nofile cold" : "nofile", typed, started, leaked, recovered, problems, needTyped: true);
    }

    internal static int Nproc()
    {
        WarmUp();
        if (Libc.GetEuid() == 0)
        {
            // Root is exempt from RLIMIT_NPROC: become nobody (for good: this process only).
            uint nobody = 65534;
            if (Libc.SetGroups(0, 0) != 0 || Libc.SetResGid(nobody, nobody, nobody) != 0 || Libc.SetResUid(nobody, nobody, nobody) != 0)
            {
                throw new InvalidOperationException($"dropping root failed: {Libc.ErrnoName(Libc.LastError)}");
            }
            // Changing the uid made us undumpable, which hides /proc/self/fd from us: undo that.
            const int PR_SET_DUMPABLE = 4;
            if (Libc.Prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0) throw new InvalidOperationException("prctl(PR_SET_DUMPABLE)");
            Console.WriteLine("now uid 65534");
        }
        int[] before = Libc.OpenFds();
        if (Libc.GetRLimit(Libc.RLIMIT_NPROC, out Libc.RLimit original) != 0) throw new InvalidOperationException("getrlimit");

        var problems = new List<string>();
        int typed = 0, started = 0;
        // 1: this user already has at least this process, so no fork can succeed.
        SetSoftLimit(Libc.RLIMIT_NPROC, 1, original);
        try
        {
            for (int i = 0; i < 10; i++)
            {
                switch (TryStart(command: i % 2 == 1, Libc.EAGAIN, "RLIMIT_NPROC", $"{(i % 2 == 1 ? "Command" : "ProcessHandle.Start")} #{i} at the process limit", problems))
                {
                    case true: started++; break;
                    case false: typed++; break;
                }
            }
            if (ProcessHandle.SpawnPath == SpawnPath.LinuxClone)
            {
                // A parent-death signal: the child is cloned from a thread of Spawn's own, started
                // on first use — which a thread limit refuses too (threads count against RLIMIT_NPROC).
                try
                {
                    using var child = ProcessHandle.Start("/bin/true", ["true"], new StartOptions { ParentDeathSignal = Libc.SIGTERM });
                    started++;
                }
                catch (SpawnException e) when (e.ErrorCode == Libc.EAGAIN && e.Message.Contains("RLIMIT_NPROC", StringComparison.Ordinal))
                {
                    typed++;
                    Console.WriteLine($"with a parent-death signal at the process limit: {e.GetType().Name} {e.ErrorName}: {e.Message}");
                }
                catch (Exception e)
                {
                    problems.Add($"with a parent-death signal at the process limit: {e.GetType().Name}: {e.Message}");
                }
            }
        }
        finally
        {
            SetSoftLimit(Libc.RLIMIT_NPROC, original.Current, original);
        }
        if (started > 0) problems.Add($"{started} start(s) succeeded at the process limit");

        int[] after = Libc.OpenFds();
        if (!before.SequenceEqual(after))
        {
            problems.Add($"fds before [{string.Join(' ', before)}], after [{string.Join(' ', after)}]");
            foreach (int fd in after.Except(before)) problems.Add($"fd {fd}: {Describe(fd)}");
        }
        var (children, zombies) = Libc.ChildCount();
        if (children != 0) problems.Add($"{children} children left ({zombies} zombies)");
        bool recovered = TryStart(command: false, 0, "", "ProcessHandle.Start after the limit was raised", problems) == true
            && TryStart(command: true, 0, "", "Command after the limit was raised", problems) == true;
        if (recovered && ProcessHandle.SpawnPath == SpawnPath.LinuxClone)
        {
            using var child = ProcessHandle.Start("/bin/true", ["true"], new StartOptions { ParentDeathSignal = Libc.SIGTERM });
            recovered = child.Wait().ExitCode == 0;
        }
        return Report("nproc", typed, started, leaked: 0, recovered, problems, needTyped: true);
    }

    /// <summary>This program's own calls resolved (libc bound, Console open) before the limit: only Spawn meets it cold.</summary>
    private static void WarmUpOwnCalls()
    {
        Console.WriteLine("cold: Spawn not used before the limit");
        // Loading an assembly needs descriptors too: load every one Spawn and this program use, so
        // that what meets the limit is Spawn's own first-use set-up, not the runtime's loader.
        var seen = new HashSet<string>();
        var pending = new Queue<System.Reflection.Assembly>([typeof(ProcessHandle).Assembly, typeof(Exhaustion).Assembly]);
        while (pending.TryDequeue(out var assembly))
        {
            foreach (var name in assembly.GetReferencedAssemblies())
            {
                if (seen.Add(name.FullName)) pending.Enqueue(System.Reflection.Assembly.Load(name));
            }
        }
        WarmUpThreadPool();
        Libc.Close(Libc.Dup(0));
        _ = Libc.GetRLimit(Libc.RLIMIT_NOFILE, out _);
        _ = Libc.OpenFds();
        _ = Describe(0);
    }

    /// <summary>
    /// .NET needs descriptors to start a thread, and its thread pool fails fast when it cannot add
    /// one (PortableThreadPool: OutOfMemoryException from MaybeAddWorkingWorker, or "Failed to create
    /// the thread pool Gate thread"). That is the runtime's limit, not Spawn's: start the workers a
    /// burst of async continuations may want before the limit, as any long-running service has.
    /// </summary>
    private static void WarmUpThreadPool()
    {
        const int Workers = 8;
        ThreadPool.GetMinThreads(out int _, out int io);
        ThreadPool.SetMinThreads(Workers, io);
        using var started = new CountdownEvent(Workers);
        Task[] tasks = [.. Enumerable.Range(0, Workers).Select(_ => Task.Run(() =>
        {
            started.Signal();
            started.Wait();
        }))];
        Task.WaitAll(tasks);
    }

    /// <summary>Everything Spawn sets up once (probe, reactor, /dev/null, pipes, thread pool) happens before the limit.</summary>
    private static void WarmUp()
    {
        WarmUpThreadPool();
        using (var child = ProcessHandle.Start("/bin/true", ["true"])) child.Wait();
        // The runtime keeps an assembly's file open once loaded: load the one the parent-death
        // thread's queue comes from, so that its first use (tried at the limit) opens nothing else.
        _ = typeof(System.Collections.Concurrent.BlockingCollection<int>).Assembly;
        // Output that comes late: the read waits on the epoll thread, which PID mode starts only then.
        _ = new Command("/bin/sh", "-c", "sleep 0.1; echo warm").OutputAsync().GetAwaiter().GetResult();
        Console.WriteLine($"mode {(ProcessHandle.UsesPidfd ? "handle" : "pid")} path {ProcessHandle.SpawnPath}");
    }

    /// <summary>
    /// One start: true when it ran (and was waited for), false when it failed with the expected
    /// typed error, null otherwise (a problem is recorded).
    /// </summary>
    private static bool? TryStart(bool command, int errno, string limit, string what, List<string> problems)
    {
        try
        {
            if (command)
            {
                var result = new Command("/bin/sh", "-c", "echo hi").OutputAsync().GetAwaiter().GetResult();
                if (result.StandardOutput != "hi\n" || result.ExitCode != 0) problems.Add($"{what}: ran but gave '{result.StandardOutput}' {result.State}");
            }
            else
            {
                using var child = ProcessHandle.Start("/bin/true", ["true"]);
                ProcessState state = child.Wait();
                if (state.ExitCode != 0) problems.Add($"{what}: ran but ended {state}");
            }
            return true;
        }
        catch (SpawnException e) when (errno != 0 && e.ErrorCode == errno && e.Message.Contains(limit, StringComparison.Ordinal))
        {
            if (problems.Count == 0) Console.WriteLine($"{what}: {e.GetType().Name} {e.ErrorName}: {e.Message}");
            return false;
        }
        catch (Exception e)
        {
            problems.Add($"{what}: {e.GetType().Name}: {e.Message}");
            return null;
        }
    }

    private static string Describe(int fd)
    {
        try
        {
            return new FileInfo($"/proc/self/fd/{fd}").LinkTarget ?? "?";
        }
        catch (IOException e)
        {
            return e.Message;
        }
    }

    private static void SetSoftLimit(int resource, ulong soft, Libc.RLimit original)
    {
        var limit = new Libc.RLimit { Current = soft, Maximum = original.Maximum };
        if (Libc.SetRLimit(resource, limit) != 0) throw new InvalidOperationException($"setrlimit({resource}, {soft}): {Libc.ErrnoName(Libc.LastError)}");
    }

    private static int Report(string name, int typed, int started, int leaked, bool recovered, List<string> problems, bool needTyped)
    {
        if (needTyped && typed == 0) problems.Add("no start failed with the typed error");
        // Whatever happened at the limit, the choices made once are those an unlimited start makes.
        bool pidfdWanted = Environment.GetEnvironmentVariable("SPAWN_PIDFD") != "0";
        if (ProcessHandle.UsesPidfd != pidfdWanted) problems.Add($"mode: UsesPidfd is {ProcessHandle.UsesPidfd}");
        bool portable = Environment.GetEnvironmentVariable("SPAWN_PORTABLE") == "1";
        if (portable && ProcessHandle.SpawnPath == SpawnPath.LinuxClone) problems.Add($"path: {ProcessHandle.SpawnPath}");
        if (!portable && ProcessHandle.SpawnPath != SpawnPath.LinuxClone)
        {
            // Loading the fast path's library needs a descriptor, once, at first use: a first use
            // at the limit keeps the portable path (a documented limit). It must say so.
            try
            {
                using var child = ProcessHandle.Start("/bin/true", ["true"], new StartOptions { ParentDeathSignal = Libc.SIGTERM });
                problems.Add($"path: {ProcessHandle.SpawnPath}, yet a fast-path option was accepted");
            }
            catch (PlatformNotSupportedException e) when (e.Message.Contains("could not be loaded", StringComparison.Ordinal))
            {
                Console.WriteLine($"path {ProcessHandle.SpawnPath}: {e.Message}");
                if (!name.Contains("cold", StringComparison.Ordinal)) problems.Add($"path: {ProcessHandle.SpawnPath}");
            }
        }
        Console.WriteLine($"{name}: mode {(ProcessHandle.UsesPidfd ? "handle" : "pid")} path {ProcessHandle.SpawnPath}: typed failures {typed}, started {started}, leaked {leaked}, recovered {(recovered ? "yes" : "no")}, problems {problems.Count}");
        foreach (string problem in problems.Take(10)) Console.WriteLine($"problem: {problem}");
        return problems.Count == 0 && recovered ? 0 : 1;
    }
}
