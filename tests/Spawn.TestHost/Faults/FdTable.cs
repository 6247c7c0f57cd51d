namespace Spawn.TestHost.Faults;

/// <summary>The fd table at its limit, for the exhaustion scenarios.</summary>
internal static class FdTable
{
    /// <summary>Takes every free fd below the limit (dups of fd 0, kept in <paramref name="fillers"/>); returns how many it took.</summary>
    internal static int Fill(Stack<int> fillers)
    {
        int taken = 0;
        while (true)
        {
            int fd = Libc.Dup(0);
            if (fd < 0)
            {
                if (Libc.LastError != Libc.EMFILE) throw new InvalidOperationException($"dup: {Libc.ErrnoName(Libc.LastError)}");
                return taken;
            }
            fillers.Push(fd);
            taken++;
        }
    }
}
