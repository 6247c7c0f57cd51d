using Microsoft.Win32.SafeHandles;
using Spawn.Internal;

namespace Spawn;

/// <summary>
/// Ends a tree when this process cannot: a small <c>/bin/sh</c> started outside the tree's cgroup,
/// in a session of its own (so a terminal's or a process group's signals meant for us do not reach
/// it), holding as its stdin the read end of a pipe whose write end only this process holds
/// (close-on-exec, so no other child inherits it). When this process dies in any way —
/// <c>Environment.FailFast</c>, SIGKILL — the kernel closes the write end; the sentinel reads
/// end-of-file, writes <c>cgroup.kill</c>, waits (bounded) until the cgroup can be removed, and removes
/// it and the v1 cgroups made for it. A pipe is used rather than a parent-death signal, which fires when
/// the parent's creating <em>thread</em> exits, not the process.
/// </summary>
/// <remarks>
/// On a normal <see cref="ProcessTree.Dispose"/> the tree has already been removed: <see cref="Release"/>
/// writes one line, on which the sentinel exits at once, and reaps it on the calling thread. When
/// Dispose could not remove the cgroup, <see cref="HandOver"/> closes the pipe so that the sentinel
/// carries on, and the exit watcher reaps it when it is done. Cost per tree: one small shell
/// process, asleep in read(2), and two descriptors (the pipe's write end, the sentinel's pidfd).
/// </remarks>
internal sealed class TreeSentinel
{
    private const string Shell = "/bin/sh";

    // $1: the v2 cgroup, then the v1 cgroups (memory, cpu, pids) made for it, if any. A line on stdin means "released: exit";
    // end-of-file means the owner is gone. Kernels before 5.14 have no cgroup.kill: SIGKILL what
    // cgroup.procs lists, again and again, until the cgroup can be removed (about 30 s at most).
    private const string Script =
        "trap '' HUP INT QUIT PIPE\n" +
        "if read -r _; then exit 0; fi\n" +
        "exec </dev/null\n" +
        "cg=$1; shift\n" +
        "i=0\n" +
        "while :; do\n" +
        "  if [ -d \"$cg\" ]; then\n" +
        "    if [ -e \"$cg/cgroup.kill\" ]; then echo 1 >\"$cg/cgroup.kill\"; else kill -9 $(cat \"$cg/cgroup.procs\"); fi\n" +
        "    rmdir \"$cg\"\n" +
        "  fi\n" +
        "  left=0; for d in \"$@\"; do if [ -d \"$d\" ] && ! rmdir \"$d\"; then left=1; fi; done\n" +
        "  if [ ! -d \"$cg\" ] && [ \"$left\" = 0 ]; then exit 0; fi\n" +
        "  i=$((i+1)); [ \"$i\" -lt 600 ] || exit 1\n" +
        "  sleep 0.05\n" +
        "done\n";

    private static readonly string[] s_environment = ["PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"];

    /// <summary>How long <see cref="Release"/> waits for the sentinel to exit before it kills it.</summary>
    private static readonly TimeSpan s_releaseBound = TimeSpan.FromSeconds(5);

    private readonly ProcessHandle _process;
    private readonly SafeFileHandle _lifeline;

    private TreeSentinel(ProcessHandle process, SafeFileHandle lifeline)
    {
        _process = process;
        _lifeline = lifeline;
    }

    /// <summary>Starts a sentinel for the cgroup <paramref name="cgroup"/> and the v1 cgroups <paramref name="v1Cgroups"/> (which need not exist yet).</summary>
    /// <exception cref="SpawnException">The pipe or the start failed (EMFILE, EAGAIN, ...).</exception>
    /// <exception cref="CgroupUnavailableException">There is no <c>/bin/sh</c> to run it.</exception>
    internal static TreeSentinel Start(string cgroup, IReadOnlyList<string> v1Cgroups)
    {
        (SafeFileHandle created, SafeFileHandle lifeline) = LifelinePipe.Create();
        using SafeFileHandle readEnd = created;
        try
        {
            ProcessHandle process = ProcessHandle.Start(Shell, ["sh", "-c", Script, "spawn-tree-sentinel", cgroup, .. v1Cgroups], new StartOptions
            {
                Stdin = readEnd,
                NewSession = true,
                Environment = s_environment,
            });
            return new TreeSentinel(process, lifeline);
        }
        catch (ProcessStartException e) when (e.Error is Errno.ENOENT or Errno.EACCES)
        {
            lifeline.Dispose();
            throw new CgroupUnavailableException($"A process tree needs {Shell} for the sentinel that ends it if this process dies ({e.Message}).", e);
        }
        catch
        {
            lifeline.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The tree is gone: tells the sentinel to exit and reaps it, all on the calling thread. Bounded:
    /// a sentinel that has not closed its end of the pipe in time (stopped, say) is killed.
    /// </summary>
    internal void Release()
    {
        // It has read the line and exited once no reader is left on the pipe.
        bool exited = LifelinePipe.WriteLine(_lifeline) && LifelinePipe.WaitForNoReader(_lifeline, s_releaseBound);
        _lifeline.Dispose();
        if (!exited) _process.Kill();
        _process.Wait(); // it has exited, or is being killed: a short, bounded wait
        _process.Dispose();
    }

    /// <summary>The tree could not be removed: closing the pipe makes the sentinel finish the job; it is reaped when it exits.</summary>
    internal void HandOver()
    {
        _lifeline.Dispose();
        _process.Dispose();
    }
}
