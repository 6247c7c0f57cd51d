
namespace Spawn.Tests.Reliability;

/// <summary>
/// Runs a fault scenario of tests/Spawn.TestHost (Faults/) in a process of its own, so the fault —
/// a seccomp filter, a lowered rlimit, an ignored SIGCHLD, a signal flood — never touches the test
/// process. The scenario inherits this run's configuration (SPAWN_PIDFD, SPAWN_PORTABLE);
/// <see cref="Configurations"/> adds PID mode where this run is in handle mode, so that every
/// combination of mode and spawn path is covered across tests/run.sh's three runs.
/// </summary>
internal static class FaultHost
{
    private static readonly string Host = Path.Combine(AppContext.BaseDirectory, "Spawn.TestHost");

    internal sealed record Outcome(ProcessState State, string Stdout, string Stderr)
    {
        internal string Text => Stdout + Stderr;
    }

    /// <summary>This run's configuration, and PID mode on top of it unless it already is.</summary>
    internal static IEnumerable<object[]> Configurations()
    {
        yield return ["inherited"];
        if (Environment.GetEnvironmentVariable("SPAWN_PIDFD") != "0") yield return ["SPAWN_PIDFD=0"];
    }

    /// <summary>True when the scenario runs in PID mode whatever the sandbox: forced by the configuration.</summary>
    internal static bool PidModeForced(string configuration) =>
        configuration == "SPAWN_PIDFD=0" || Environment.GetEnvironmentVariable("SPAWN_PIDFD") == "0";

    internal static bool Portable => Environment.GetEnvironmentVariable("SPAWN_PORTABLE") == "1";

    /// <summary>
    /// How long a scenario may run before it is taken for hung. Not a measure of speed: the
    /// longest (3000 start-and-wait cycles under a signal flood) took 95 s in PID mode and 163 s
    /// in handle mode with the 2-core machine at a load of 40, past the 120 s this used to be.
    /// Each wait inside a scenario has its own hang limit (Workload) and says which one hung.
    /// </summary>
    private static readonly TimeSpan s_hangBound = TimeSpan.FromMinutes(10);

    /// <summary>Runs the scenario (reaped through its own handle), writes what it printed to the test output.</summary>
    internal static async Task<Outcome> RunAsync(ITestOutputHelper output, string configuration, params string[] args)
    {
        var command = new Command(Host, args).WithExitCodeValidation(false).WithTimeout(s_hangBound);
        if (configuration == "SPAWN_PIDFD=0") command = command.WithEnvironment("SPAWN_PIDFD", "0");
        BufferedCommandResult result = await command.OutputAsync();
        output.WriteLine($"$ {(configuration == "inherited" ? "" : configuration + " ")}Spawn.TestHost {string.Join(' ', args)}  -> {result.State}");
        output.WriteLine(result.StandardOutput + result.StandardError);
        return new Outcome(result.State, result.StandardOutput, result.StandardError);
    }
}
