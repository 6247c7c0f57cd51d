namespace Spawn;

// A command run on a pseudo-terminal (Command.WithPseudoTerminal): the terminal is the child's
// stdin, stdout and stderr and its controlling terminal. The terminal's output goes wherever the
// command's stdout goes, read from the master until EIO (every program closed the terminal), never
// only until the child's exit: a program's last writes may still be on their way through the
// terminal when its exit is seen. Stdin's source is typed into it and ends with the end-of-file
// character. Our copy of the slave closes right after the start (ProcessHandle.Start does it), or
// EIO would never come; the master closes when the run ends, or at the wait delay when something
// the child started still holds the terminal, which hangs it up (SIGHUP). Never before the child's
// exit: a program that closes its terminal descriptors and then exits (cat) makes the master read
// EIO while it still runs, and a hang-up then would kill it; the master is held open until the exit.
public sealed partial class ChildProcess
{
    /// <summary>
    /// The pseudo-terminal the command runs on (<see cref="Command.WithPseudoTerminal(TerminalOptions?)"/>),
    /// or null: resize it, type into it (<see cref="PseudoTerminal.Input"/>, <see cref="PseudoTerminal.SendEof"/>,
    /// <see cref="PseudoTerminal.SendInterrupt"/>), ask for its foreground group. Its
    /// <see cref="PseudoTerminal.Output"/> is the command's stdout: read it only when that is
    /// <see cref="OutputTarget.Pipe"/> (then it is also <see cref="Stdout"/>). Closed when the run ends.
    /// </summary>
    public PseudoTerminal? Terminal { get; }

    /// <summary>True when the child leads a process group of its own, whose signals then reach the whole group.</summary>
    private bool StartedOwnGroup => Command.NewProcessGroup || Command.NewSession || Command.PseudoTerminal is not null;

    /// <summary>
    /// Keeps the terminal's master open until the child has exited (see above), released by the exit
    /// itself, so that a run nobody waits for or disposes does not hold it for ever.
    /// </summary>
    private static void HoldTerminalUntilExit(PseudoTerminal terminal, ProcessHandle handle)
    {
        terminal.Pair.HoldMaster();
        _ = handle.WaitAsync().ContinueWith(static (_, pair) => ((Internal.PseudoTerminalPair)pair!).ReleaseMaster(), terminal.Pair,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>
    /// Stdin and stdout on the terminal; stderr is the terminal too, and so goes where stdout goes:
    /// whatever the command says for stderr is not used.
    /// </summary>
    private static void OpenTerminalSlots(Command command, PseudoTerminal terminal, StdioSlot[] slots)
    {
        slots[0] = command.Stdin.OpenOnTerminal(terminal);
        slots[1] = command.Stdout.OpenOnTerminal(terminal);
        slots[2] = StdioSlot.DevNull;
    }
}
