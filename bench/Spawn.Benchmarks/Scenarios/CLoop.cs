using System.Globalization;

namespace Spawn.Benchmarks.Scenarios;

/// <summary>
/// Issue 5's comparison: sequential start+wait of /bin/true against a C posix_spawn+waitpid loop
/// (native/spawn_loop.c, compiled with cc at run time into obj/), run as a subprocess that times
/// itself. Skipped with a message when there is no C compiler.
/// </summary>
internal sealed class CLoop : Scenario
{
    internal override string Name => "c-loop";

    internal override string Title => "1b. Sequential start+wait against a C posix_spawn+waitpid loop";

    internal override Figure Figure => Figure.Rate;

    internal override string? Baseline => Contenders.CLoop;

    private static int Count(BenchOptions options) => options.Quick ? 200 : 1500;

    internal override string[] ContendersFor(BenchOptions options) => [Contenders.CLoop, Contenders.Floor, Contenders.Spawn];

    internal override string Describe(BenchOptions options) =>
        $"{Count(options)} starts per repetition. C loop: posix_spawn(NULL file actions, NULL attributes) + waitpid in a C program (cc -O2) " +
        "that times its own loop after a warm-up; it runs as a child of its worker and reports its rate. Ratios are against the C loop.";

    /// <summary>Where the compiled loop goes: the project's obj/ directory when it can be found, else next to the assembly.</summary>
    internal static string BinaryPath
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Spawn.Benchmarks.csproj")))
                {
                    return Path.Combine(directory.FullName, "obj", "spawn_loop");
                }
            }
            return Path.Combine(AppContext.BaseDirectory, "spawn_loop");
        }
    }

    internal static string SourcePath => Path.Combine(AppContext.BaseDirectory, "native", "spawn_loop.c");

    /// <summary>Compiles the loop; null on success, else why the scenario is skipped.</summary>
    internal static async Task<string?> CompileAsync()
    {
        string? compiler = new[] { "cc", "gcc", "clang" }
            .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists);
        if (compiler is null) return "no C compiler (cc, gcc or clang) in PATH";
        Directory.CreateDirectory(Path.GetDirectoryName(BinaryPath)!);
        BufferedCommandResult result = await new Spawn.Command(compiler, "-O2", "-Wall", "-o", BinaryPath, SourcePath)
            .WithExitCodeValidation(false)
            .OutputAsync()
            .ConfigureAwait(false);
        return result.Success ? null : $"{compiler} failed: {result.StandardError.Trim()}";
    }

    /// <summary>
    /// The loop idle, then holding <paramref name="hold"/> children of its own once they are all
    /// asleep and <paramref name="pauseMilliseconds"/> more have passed: the held rate, with the
    /// idle one as <see cref="Sample.Other"/>.
    /// </summary>
    internal static async Task<Sample> RunHeldAsync(int count, int hold, int pauseMilliseconds)
    {
        string warmup = Math.Max(50, count / 5).ToString(CultureInfo.InvariantCulture);
        BufferedCommandResult result = await new Spawn.Command(BinaryPath, count.ToString(CultureInfo.InvariantCulture), warmup,
                hold.ToString(CultureInfo.InvariantCulture), pauseMilliseconds.ToString(CultureInfo.InvariantCulture))
            .OutputAsync().ConfigureAwait(false);
        string[] fields = result.StandardOutput.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new Sample
        {
            Value = double.Parse(fields[0], CultureInfo.InvariantCulture),
            Seconds = double.Parse(fields[1], CultureInfo.InvariantCulture),
            Other = double.Parse(fields[2], CultureInfo.InvariantCulture),
            Processes = count,
            External = true,
        };
    }

    internal override IWorkload CreateWorkload(string workerKey, BenchOptions options) => new Workload(workerKey, Count(options));

    private sealed class Workload(string contender, int count) : LoopWorkload(contender, count)
    {
        public override Task WarmupAsync() => Contender == Contenders.CLoop ? Task.CompletedTask : base.WarmupAsync();

        public override async Task<Sample> RunAsync(string _)
        {
            if (Contender == Contenders.CLoop)
            {
                string warmup = Math.Max(50, Count / 5).ToString(CultureInfo.InvariantCulture);
                BufferedCommandResult result = await new Spawn.Command(BinaryPath, Count.ToString(CultureInfo.InvariantCulture), warmup).OutputAsync().ConfigureAwait(false);
                string[] fields = result.StandardOutput.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                return new Sample
                {
                    Value = double.Parse(fields[0], CultureInfo.InvariantCulture),
                    Seconds = double.Parse(fields[1], CultureInfo.InvariantCulture),
                    Processes = Count,
                    External = true,
                };
            }
            return await MeasureLoopAsync().ConfigureAwait(false);
        }
    }
}
