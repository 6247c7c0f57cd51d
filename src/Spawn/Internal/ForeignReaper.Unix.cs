using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>Says who reaped a child that Spawn found already reaped: the start of an unknown state's reason.</summary>
internal static class ForeignReaper
{
    internal static string Describe() => Sys.ChildrenAutoReaped()
        ? "SIGCHLD is ignored in this process (SIG_IGN or SA_NOCLDWAIT, perhaps inherited), so the kernel reaped the child itself at its exit"
        : "another component reaped the child";
}
