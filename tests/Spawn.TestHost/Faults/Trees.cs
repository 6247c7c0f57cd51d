using Spawn;

namespace Spawn.TestHost.Faults;

/// <summary>
/// Process trees (cgroups) under faults, in this process only:
/// <list type="bullet">
/// <item><c>tree-nofile</c>: a tree with a running member, and a command run with WithProcessTree that
/// leaves a background job, meet a full fd table (RLIMIT_NOFILE lowered, every slot taken): the tree
/// must still say it is not empty (or that it cannot tell), be killed, and be removed; the command
/// must end its tree. A tree created at the limit (0 to 8 slots free) is created or fails typed, and
/// leaves nothing.</item>
/// <item><c>tree-starved</c>: <see cref="ProcessTree.Dispose"/> with every thread-pool worker blocked
/// (and the pool unable to add any) must still kill, wait and remove, on the calling thread.</item>
/// <item><c>tree-orphan kill|failfast</c>: a tree with a sleeping member; prints "cgroup PATH" and
/// "pid N", waits for a line on stdin, then dies by SIGKILL or Environment.FailFast. The test
/// checks that the member dies and the cgroup goes anyway.</item>
/// </list>
/// Exit 0 when all was as it should be, 1 with the problems printed, 3 when trees cannot be used here.
/// </summary>
internal static class Trees
{
    private const int Unavailable = 3;

    internal static int Nofile()
    {
        // Hold 64 descriptors first, as a process with many children does: Spawn then keeps what it
        // holds at 1024 and above (DescriptorPlacement), outside the range filled below, so that a
        // handle closed late (by the exit watcher, a finalizer) cannot free a slot the count below
        // would take for one that Create failed to release.
        var padding = new Stack<int>();
        while (padding.Count < 64 && Libc.Dup(0) is int fd and >= 0)
        {
            padding.Push(fd);
            if (fd >= 64) break;
        }
        try
        {
            return NofileWithPadding();
        }
        finally
        {
            while (padding.Count > 0) Libc.Close(padding.Pop());
        }
    }

    private static int NofileWithPadding()
    {
        if (!WarmUp()) return Unavailable;
        int[] before = Libc.OpenFds();
        var problems = new List<string>();
        string cgroupParent;
        using (var probe = ProcessTree.Create()) cgroupParent = Path.GetDirectoryName(probe.CgroupPath)!;

        var tree = ProcessTree.Create();
        var member = ProcessHandle.Start("/bin/sleep", ["sleep", "60"], new StartOptions { CgroupPath = tree.CgroupPath });
        var child = new Command("/bin/sh", "-c", "sleep 60 & sleep 1").WithProcessTree().Start();
        string childCgroup = child.Tree!.CgroupPath;
        Thread.Sleep(300);
        List<ProcessHandle> left = [.. child.Tree.ProcessIds.Where(p => p != child.Pid).Select(ProcessHandle.Find)];
        if (left.Count == 0) problems.Add("the command's background job was not found in its tree");

        if (Libc.GetRLimit(Libc.RLIMIT_NOFILE, out Libc.RLimit original) != 0) throw new InvalidOperationException("getrlimit");
        var fillers = new Stack<int>();
        string? createdAtLimit = null;
        try
        {
            SetSoftLimit(256, original);
            FdTable.Fill(fillers);

            try
            {
                if (tree.IsEmpty) problems.Add("IsEmpty said the tree is empty at the fd limit while its member runs");
                else Console.WriteLine("IsEmpty at the limit: false");
            }
            catch (SpawnException e)
            {
                Console.WriteLine($"IsEmpty at the limit: unknown ({e.ErrorName})");
            }
            catch (Exception e)
            {
                problems.Add($"IsEmpty at the limit threw {e.GetType().Name}: {e.Message}");
            }
            try
            {
                tree.Kill();
                ProcessState state = member.Wait();
                if (state.Signal != Libc.SIGKILL) problems.Add($"the member ended with {state} after the tree was killed at the limit");
            }
            catch (Exception e)
            {
                problems.Add($"Kill at the limit threw {e.GetType().Name}: {e.Message}");
            }
            tree.Dispose();
            if (Directory.Exists(tree.CgroupPath)) problems.Add($"the tree's cgroup {tree.CgroupPath} is still there after Dispose at the limit");

            try
            {
                CommandResult result = child.WaitAsync().GetAwaiter().GetResult();
                Console.WriteLine($"command at the limit: {result.State}, tree {result.Tree}");
            }
            catch (SpawnException e)
            {
                Console.WriteLine($"command at the limit: typed {e.ErrorName}");
            }
            catch (Exception e)
            {
                problems.Add($"the command's wait at the limit threw {e.GetType().Name}: {e.Message}");
            }
            child.Dispose();
            if (Directory.Exists(childCgroup)) problems.Add($"the command's cgroup {childCgroup} is still there after it ended at the limit");

            // Create with 0, 1, ... 8 slots free: it fails at each of its steps in turn (pipe,
            // sentinel start, the files it keeps open), and each failure must undo the steps before it.
            for (int free = 0; free <= 8; free++)
            {
                for (int i = 0; i < free; i++) Libc.Close(fillers.Pop());
                try
                {
                    var atLimit = ProcessTree.Create();
                    createdAtLimit = atLimit.CgroupPath;
                    Console.WriteLine($"create with {free} free slots: created");
                    atLimit.Dispose();
                }
                catch (SpawnException e) when (e.ErrorCode == Libc.EMFILE)
                {
                    Console.WriteLine($"create with {free} free slots: typed {e.ErrorName}");
                }
                catch (Exception e)
                {
                    problems.Add($"Create with {free} free slots threw {e.GetType().Name}: {e.Message}");
                }
                int refilled = 0;
                for (var deadline = DateTime.UtcNow.AddSeconds(2); refilled < free && DateTime.UtcNow < deadline; Thread.Sleep(5))
                {
                    refilled += FdTable.Fill(fillers);
                }
                if (refilled != free) problems.Add($"Create with {free} free slots: {free - refilled} slot(s) still taken after it");
            }
        }
        finally
        {
            while (fillers.Count > 0) Libc.Close(fillers.Pop());
            SetSoftLimit(original.Current, original);
        }

        foreach (ProcessHandle handle in left)
        {
            if (!Eventually(() => Gone(handle.Pid))) problems.Add($"the command's background job {handle.Pid} still runs");
        }
        string[] leftCgroups = [.. Directory.GetDirectories(cgroupParent, $"spawn-{Environment.ProcessId}-*")];
        if (leftCgroups.Length != 0) problems.Add($"cgroups left: {string.Join(", ", leftCgroups)}");
        CleanUp(tree, member, left, childCgroup, createdAtLimit);

        if (!Eventually(() => Libc.OpenFds().SequenceEqual(before)))
        {
            problems.Add($"fds before [{string.Join(' ', before)}], after [{string.Join(' ', Libc.OpenFds())}]");
        }
        if (!Eventually(() => Libc.ChildCount().Children == 0)) problems.Add($"{Libc.ChildCount().Children} children left");
        return Report("tree-nofile", problems);
    }

    internal static int Starved()
    {
        if (!WarmUp()) return Unavailable;
        var problems = new List<string>();
        var tree = ProcessTree.Create();
        // It would end by itself in 2 s: a Dispose that needs the pool waits for a worker instead.
        var member = ProcessHandle.Start("/bin/sleep", ["sleep", "2"], new StartOptions { CgroupPath = tree.CgroupPath });

        using var gate = new ManualResetEventSlim();
        var (workers, starved) = PoolStarvation.Starve(gate);
        if (!starved) problems.Add("the thread pool was not starved");
        else Console.WriteLine($"thread pool starved ({workers} workers blocked, no more allowed)");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        tree.Dispose();
        clock.Stop();
        Console.WriteLine($"Dispose with the pool starved: {clock.Elapsed.TotalSeconds:0.000} s");
        if (clock.Elapsed > TimeSpan.FromSeconds(10)) problems.Add($"Dispose took {clock.Elapsed.TotalSeconds:0.0} s with the pool starved");
        if (!member.HasExited && !Eventually(() => member.HasExited || Gone(member.Pid))) problems.Add("the member still runs after Dispose");
        if (Directory.Exists(tree.CgroupPath)) problems.Add($"the cgroup {tree.CgroupPath} is still there after Dispose");

        gate.Set();
        ProcessState state = member.Wait();
        if (state.Signal != Libc.SIGKILL) problems.Add($"the member ended with {state}, not killed by Dispose");
        CleanUp(tree, member, [], null, null);
        return Report("tree-starved", problems);
    }

    internal static int Orphan(string how)
    {
        if (!WarmUp()) return Unavailable;
        var tree = ProcessTree.Create();
        var member = ProcessHandle.Start("/bin/sleep", ["sleep", "600"], new StartOptions { CgroupPath = tree.CgroupPath });
        Console.WriteLine($"cgroup {tree.CgroupPath}");
        Console.WriteLine($"pid {member.Pid}");
        Console.Out.Flush();
        _ = Console.ReadLine();
        if (how == "failfast") Environment.FailFast("tree-orphan: dying without disposing the tree");
        Libc.TgKill(Environment.ProcessId, Environment.ProcessId, Libc.SIGKILL);
        Thread.Sleep(Timeout.Infinite);
        return 1;
    }

    private static bool WarmUp()
    {
        // At the fd limit .NET cannot start a thread, and its pool fails fast when it cannot add a
        // worker: start the workers now (as Exhaustion does).
        const int Workers = 8;
        ThreadPool.GetMinThreads(out int _, out int io);
        ThreadPool.SetMinThreads(Workers, io);
        using (var started = new CountdownEvent(Workers))
        {
            Task.WaitAll([.. Enumerable.Range(0, Workers).Select(_ => Task.Run(() =>
            {
                started.Signal();
                started.Wait();
            }))]);
        }
        using (var child = ProcessHandle.Start("/bin/true", ["true"])) child.Wait();
        _ = new Command("/bin/sh", "-c", "sleep 0.1; echo warm").OutputAsync().GetAwaiter().GetResult();
        try
        {
            ProcessTree.Create().Dispose();
        }
        catch (CgroupUnavailableException e)
        {
            Console.WriteLine($"unavailable: {e.Message}");
            return false;
        }
        Console.WriteLine($"mode {(ProcessHandle.UsesPidfd ? "handle" : "pid")} path {ProcessHandle.SpawnPath}");
        return true;
    }

    /// <summary>Whatever a failed run left: killed through our own handles, cgroups by the paths we made.</summary>
    private static void CleanUp(ProcessTree tree, ProcessHandle member, List<ProcessHandle> others, string? childCgroup, string? createdAtLimit)
    {
        member.Kill();
        member.Wait();
        member.Dispose();
        foreach (ProcessHandle other in others)
        {
            other.Kill();
            other.Dispose();
        }
        foreach (string? cgroup in new[] { tree.CgroupPath, childCgroup, createdAtLimit })
        {
            if (cgroup is null || !Directory.Exists(cgroup)) continue;
            try
            {
                File.WriteAllText(Path.Combine(cgroup, "cgroup.kill"), "1");
                Eventually(() =>
                {
                    try
                    {
                        Directory.Delete(cgroup);
                        return true;
                    }
                    catch (IOException)
                    {
                        return false;
                    }
                });
            }
            catch (IOException)
            {
            }
        }
    }

    private static bool Gone(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] == 'Z';
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static bool Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) return false;
            Thread.Sleep(20);
        }
        return true;
    }

    private static void SetSoftLimit(ulong soft, Libc.RLimit original)
    {
        var limit = new Libc.RLimit { Current = soft, Maximum = original.Maximum };
        if (Libc.SetRLimit(Libc.RLIMIT_NOFILE, limit) != 0) throw new InvalidOperationException($"setrlimit: {Libc.ErrnoName(Libc.LastError)}");
    }

    private static int Report(string name, List<string> problems)
    {
        foreach (string problem in problems) Console.WriteLine($"PROBLEM: {problem}");
        Console.WriteLine($"{name}: {(problems.Count == 0 ? "ok" : $"{problems.Count} problem(s)")}");
        return problems.Count == 0 ? 0 : 1;
    }
}
