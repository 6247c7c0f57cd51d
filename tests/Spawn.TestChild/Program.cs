// The process under test for Spawn's tests. One command per invocation:
//
//   Spawn.TestChild <command> [args...]
//
// Every command and its exact output is listed in Usage below. Bad usage writes a message to
// stderr and exits 2, so a test that mistypes a command fails loudly instead of hanging.
//
// Start-up time matters (the test suite starts this program hundreds of times), so nothing here
// has static state that is built eagerly: each command touches only the APIs it needs.

using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;

[assembly: SupportedOSPlatform("linux")]

namespace Spawn.TestChild;

internal static class Program
{
    private const int UsageExitCode = 2;

    private const string Usage = """
        usage: Spawn.TestChild <command> [args...]
          exit N                          exit with code N (0..255)
          sleep SECONDS                   sleep (fractional allowed), exit 0
          burn SECONDS                    busy-loop one thread until SECONDS of CPU time are used, exit 0
          echo                            copy stdin to stdout until EOF
          cat-stderr                      copy stdin to stderr until EOF
          write-stdout BYTES              write BYTES pattern bytes to stdout
          write-stderr BYTES              write BYTES pattern bytes to stderr
          write-both BYTES                write BYTES pattern bytes to each, 64 KiB chunks interleaved
          lines N                         "line i": odd i to stdout, even i to stderr, in order
          print-args [ARGS...]            "<index>:<arg>" per argument after the command
          print-env NAME...               "NAME=value" or "NAME unset"
          print-cwd                       current directory
          fds                             "<fd> <readlink target>" per inherited fd, ascending
          ignore SIG... then-sleep SECS   set SIG_IGN for each SIG, print "ready", sleep
          trap SIG CODE                   print "ready"; on SIG print "got SIG", exit CODE;
                                          exit 3 after 60 s without the signal
          grandchild SECONDS              start /bin/sleep SECONDS sharing our stdout/stderr,
                                          print "pid N", exit 0 without waiting
          sigstate                        "blocked=SIG,..." and "ignored=SIG,..." as inherited
                                          (PIPE always ignored, TERM never: runtime changes)
          stop-self                       print "ready", SIGSTOP itself; exit 7 once continued
          abort                           die by SIGABRT (disposition reset to default first)
          pid                             print "pid P ppid Q"
        BYTES accepts a K, M or G suffix (powers of 1024). SIG is a name (TERM, SIGTERM) or number.
        """;

    private static int Main(string[] args)
    {
        // `fds` must look at the descriptor table before this program opens anything itself
        // (Console streams dup 0/1/2, for instance), so it is dispatched before anything else.
        if (args.Length == 1 && args[0] == "fds")
        {
            return Fds.Run();
        }

        if (args.Length == 0)
        {
            return Fail("no command given");
        }

        try
        {
            string[] rest = args[1..];
            return args[0] switch
            {
                "exit" => Exit(rest),
                "sleep" => Sleep(rest),
                "burn" => Burn(rest),
                "echo" => NoArgs(rest, "echo") ?? Output.Copy(Output.Stdin, Output.Stdout),
                "cat-stderr" => NoArgs(rest, "cat-stderr") ?? Output.Copy(Output.Stdin, Output.Stderr),
                "write-stdout" => Output.WritePattern(ParseBytes(rest), toStdout: true, toStderr: false),
                "write-stderr" => Output.WritePattern(ParseBytes(rest), toStdout: false, toStderr: true),
                "write-both" => Output.WritePattern(ParseBytes(rest), toStdout: true, toStderr: true),
                "lines" => Lines(rest),
                "print-args" => PrintArgs(rest),
                "print-env" => PrintEnv(rest),
                "print-cwd" => NoArgs(rest, "print-cwd") ?? Output.Line(Directory.GetCurrentDirectory()),
                "fds" => Fail("fds takes no arguments"),
                "ignore" => Signals.Ignore(rest),
                "trap" => Signals.Trap(rest),
                "sigstate" => NoArgs(rest, "sigstate") ?? Signals.State(),
                "grandchild" => Grandchild(rest),
                "stop-self" => NoArgs(rest, "stop-self") ?? Signals.StopSelf(),
                "abort" => NoArgs(rest, "abort") ?? Signals.Abort(),
                "pid" => NoArgs(rest, "pid") ?? Output.Line(
                    $"pid {Environment.ProcessId} ppid {Signals.GetParentPid()}"),
                "help" or "--help" or "-h" => Help(),
                _ => Fail($"unknown command '{args[0]}'"),
            };
        }
        catch (UsageException e)
        {
            return Fail(e.Message);
        }
    }

    private static int Exit(string[] args)
    {
        int code = ParseInt(Single(args, "exit N"), "N");
        if (code is < 0 or > 255)
        {
            throw new UsageException($"exit code {code} is outside 0..255");
        }
        return code;
    }

    private static int Sleep(string[] args)
    {
        Thread.Sleep(ParseSeconds(Single(args, "sleep SECONDS")));
        return 0;
    }

    // Spins on one thread so tests can observe CPU time (rusage) growing at ~1 s per second.
    private static int Burn(string[] args)
    {
        // Burns CPU time, not wall time: on a loaded machine the child then still uses what it
        // was asked to, so tests can check reported CPU time without depending on the load.
        TimeSpan duration = ParseSeconds(Single(args, "burn SECONDS"));
        TimeSpan start = Environment.CpuUsage.TotalTime;
        ulong spins = 0;
        while (Environment.CpuUsage.TotalTime - start < duration)
        {
            // Some work the JIT cannot remove between two reads of the process CPU clock.
            for (int i = 0; i < 10_000; i++)
            {
                spins = unchecked(spins * 6364136223846793005UL + 1442695040888963407UL);
            }
        }
        GC.KeepAlive(spins);
        return 0;
    }

    // One write per line, alternating streams: a reader that merges both pipes sees them in order
    // as long as it drains each pipe as data arrives.
    private static int Lines(string[] args)
    {
        int count = ParseInt(Single(args, "lines N"), "N");
        if (count < 0)
        {
            throw new UsageException("lines N needs N >= 0");
        }
        for (int i = 1; i <= count; i++)
        {
            Output.WriteLine(i % 2 == 1 ? Output.Stdout : Output.Stderr, $"line {i}");
        }
        return 0;
    }

    private static int PrintArgs(string[] args)
    {
        for (int i = 0; i < args.Length; i++)
        {
            Output.WriteLine(Output.Stdout, $"{i}:{args[i]}");
        }
        return 0;
    }

    private static int PrintEnv(string[] names)
    {
        if (names.Length == 0)
        {
            throw new UsageException("usage: print-env NAME...");
        }
        foreach (string name in names)
        {
            string? value = Environment.GetEnvironmentVariable(name);
            Output.WriteLine(Output.Stdout, value is null ? $"{name} unset" : $"{name}={value}");
        }
        return 0;
    }

    // The grandchild inherits our stdout/stderr (no redirection), so the pipes a test reads stay
    // open after we exit: this is how tests check that waiting for exit does not also wait for EOF.
    private static int Grandchild(string[] args)
    {
        string seconds = Single(args, "grandchild SECONDS");
        _ = ParseSeconds(seconds); // validate here rather than get a confusing error from sleep
        var start = new ProcessStartInfo("/bin/sleep", [seconds])
        {
            UseShellExecute = false,
            RedirectStandardInput = false,
            RedirectStandardOutput = false,
            RedirectStandardError = false,
        };
        using Process grandchild = Process.Start(start)
            ?? throw new InvalidOperationException("Process.Start returned null");
        Output.Line($"pid {grandchild.Id}");
        return 0; // deliberately not waiting: the grandchild is orphaned and reparented
    }

    private static int Help()
    {
        Output.WriteLine(Output.Stdout, Usage);
        return 0;
    }

    private static int Fail(string message)
    {
        // One line: this ends up in test failure messages, where the full usage would be noise.
        Output.WriteLine(Output.Stderr, $"Spawn.TestChild: {message} (run 'Spawn.TestChild help' for usage)");
        return UsageExitCode;
    }

    // `?? command()` idiom: returns null when there are no extra arguments, else throws.
    private static int? NoArgs(string[] args, string command) =>
        args.Length == 0 ? null : throw new UsageException($"{command} takes no arguments");

    private static string Single(string[] args, string usage) =>
        args.Length == 1 ? args[0] : throw new UsageException($"usage: {usage}");

    internal static int ParseInt(string text, string what) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new UsageException($"{what} must be an integer, got '{text}'");

    internal static TimeSpan ParseSeconds(string text)
    {
        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds)
            || !double.IsFinite(seconds) || seconds > int.MaxValue / 1000.0)
        {
            throw new UsageException($"SECONDS must be a non-negative number, got '{text}'");
        }
        return TimeSpan.FromSeconds(seconds);
    }

    private static long ParseBytes(string[] args)
    {
        string text = Single(args, "write-stdout|write-stderr|write-both BYTES");
        long multiplier = 1;
        if (text.Length > 0)
        {
            multiplier = char.ToUpperInvariant(text[^1]) switch
            {
                'K' => 1L << 10,
                'M' => 1L << 20,
                'G' => 1L << 30,
                _ => 1,
            };
        }
        string digits = multiplier == 1 ? text : text[..^1];
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long count)
            || count > long.MaxValue / multiplier)
        {
            throw new UsageException($"BYTES must be a non-negative integer (optional K/M/G), got '{text}'");
        }
        return count * multiplier;
    }
}

/// <summary>Bad command line: reported on stderr with exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
