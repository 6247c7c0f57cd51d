using Spawn.Benchmarks;
using Spawn.Benchmarks.Scenarios;

// dotnet run -c Release --project bench/Spawn.Benchmarks [--quick] [--reps N] [scenario ...]
// Each contender of each scenario runs in a worker process of its own (this program with --worker),
// driven repetition by repetition from here, so that no library's state (its SIGCHLD handler, its
// thread pool growth, its held children) reaches another's measurement.

Scenario[] scenarios =
[
    new Sequential(),
    new CLoop(),
    new Allocations(),
    new TelemetryListener(),
    new InFlight(),
    new Held(1000),
    new Capture(),
    new StreamLines(),
    new ExitLatency(),
    new Memory(),
    new Neighbour(),
    new ToolStart(),
    new Held(10_000), // last: killing 10,000 children at once leaves the machine busy for a while
];

try
{
    if (args.Length > 0 && args[0] == "--worker")
    {
        return Worker.Run(scenarios, args[1..]);
    }
    BenchOptions options = BenchOptions.Parse(args, scenarios);
    if (options.ListOnly)
    {
        foreach (Scenario scenario in scenarios) Console.WriteLine($"{scenario.Name,-12} {scenario.Title}");
        return 0;
    }
    return await Orchestrator.RunAsync(options).ConfigureAwait(false);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("usage: Spawn.Benchmarks [--quick] [--reps N] [--list] [scenario ...]");
    return 2;
}

namespace Spawn.Benchmarks
{
    /// <summary>The command line: --quick, --reps N, --list, and scenario names (all when none).</summary>
    internal sealed class BenchOptions
    {
        internal bool Quick { get; init; }

        /// <summary>Repetitions per scenario: 5 by default, 3 with --quick.</summary>
        internal int Repetitions { get; init; } = 5;

        internal bool ListOnly { get; init; }

        internal IReadOnlyList<Scenario> Scenarios { get; init; } = [];

        internal static BenchOptions Parse(IReadOnlyList<string> args, IReadOnlyList<Scenario> all)
        {
            bool quick = false, list = false;
            int? repetitions = null;
            var picked = new List<Scenario>();
            for (int i = 0; i < args.Count; i++)
            {
                switch (args[i])
                {
                    case "--quick":
                        quick = true;
                        break;
                    case "--list":
                        list = true;
                        break;
                    case "--reps" when i + 1 < args.Count && int.TryParse(args[i + 1], out int reps) && reps >= 1:
                        repetitions = reps;
                        i++;
                        break;
                    default:
                        Scenario? scenario = all.FirstOrDefault(s => s.Name == args[i])
                            ?? throw new ArgumentException($"unknown scenario or option '{args[i]}'; scenarios: {string.Join(", ", all.Select(s => s.Name))}");
                        picked.Add(scenario);
                        break;
                }
            }
            return new BenchOptions { Quick = quick, ListOnly = list, Repetitions = repetitions ?? (quick ? 3 : 5), Scenarios = picked.Count > 0 ? picked : all };
        }

        /// <summary>What a worker needs to rebuild these options.</summary>
        internal IEnumerable<string> WorkerArguments() => Quick ? ["--quick"] : [];
    }
}
