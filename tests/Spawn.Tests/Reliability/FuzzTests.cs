using System.Globalization;
using System.Text;
using Spawn.Tests.Support;

namespace Spawn.Tests.Reliability;

/// <summary>
/// Hostile input for a fixed time: random paths, argv, environments and working directories
/// (empty, huge, NUL, lone UTF-16 surrogates, 1 MB arguments, 100k environment entries) through
/// both APIs. Only the documented exceptions may come out (ArgumentException and its kin,
/// ProcessStartException, InvalidOperationException for a consumed stream); never a crash, a hang
/// or a leak. The CI form runs 5 s; SPAWN_FUZZ_SECONDS sets the long form; SPAWN_FUZZ_SEED replays.
/// </summary>
[Collection(IsolatedCollection.Name)]
public sealed class FuzzTests(ITestOutputHelper output)
{
    private static double Seconds =>
        double.TryParse(Environment.GetEnvironmentVariable("SPAWN_FUZZ_SECONDS"), CultureInfo.InvariantCulture, out double s) && s > 0 ? s : 5;

    [Fact]
    public async Task Random_hostile_input_gives_only_documented_exceptions_and_leaks_nothing()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("SPAWN_FUZZ_SEED"), CultureInfo.InvariantCulture, out int s) ? s : Random.Shared.Next();
        output.WriteLine($"seed {seed} (replay with SPAWN_FUZZ_SEED={seed})");
        var random = new Random(seed);
        string scratch = Directory.CreateTempSubdirectory("spawn-fuzz-").FullName;

        // Lasting fds come with first use: /dev/null, and the epoll reactor (which PID mode first
        // needs for a pipe). Create them before counting.
        using (var warm = ProcessHandle.Start("/bin/true", ["true"])) warm.Wait();
        await new Command("sh", "-c", "sleep 0.05; cat").WithStdin(InputSource.FromString("x")).OutputAsync(); // a pipe read that waits
        GC.Collect();
        GC.WaitForPendingFinalizers();
        // By number and target (assemblies the runtime loads meanwhile left out, see Fds.Table):
        // a descriptor closed elsewhere meanwhile cannot hide one leaked.
        IReadOnlyDictionary<int, string> fdsBefore = Fds.Table();

        var outcomes = new Dictionary<string, int>();
        var deadline = DateTime.UtcNow.AddSeconds(Seconds);
        int cases = 0;
        while (DateTime.UtcNow < deadline)
        {
            cases++;
            string outcome;
            Task<string> attempt = Task.Run(() => random.Next(2) == 0 ? ThroughHandle(random, scratch) : ThroughCommand(random, scratch));
            Assert.True(await Task.WhenAny(attempt, Task.Delay(TimeSpan.FromSeconds(30))) == attempt, $"case {cases} (seed {seed}) hung");
            outcome = await attempt;
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        Directory.Delete(scratch, recursive: true);

        output.WriteLine($"{cases} cases in {Seconds} s:");
        foreach (var (name, count) in outcomes.OrderByDescending(o => o.Value)) output.WriteLine($"  {count,6}  {name}");
        Assert.True(Fds.NoneOpenedSince(fdsBefore, out string opened, settle: () =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }), $"open after the fuzz and not before: {opened}");
        Assert.True(Fds.Eventually(() => ProcessTable.Zombies().Length == 0), "zombies left");
    }

    /// <summary>One case through ProcessHandle.Start; returns what happened, for the tally.</summary>
    private static string ThroughHandle(Random random, string scratch)
    {
        string path = RandomPath(random, scratch);
        string[] argv = random.Next(20) == 0 ? [] : [.. Enumerable.Range(0, random.Next(1, 6)).Select(_ => RandomString(random))];
        var options = new StartOptions
        {
            Environment = random.Next(3) switch { 0 => null, 1 => RandomEnvironment(random), _ => ["A=1", RandomString(random)] },
            WorkingDirectory = random.Next(3) == 0 ? RandomDirectory(random, scratch) : null,
            NewProcessGroup = random.Next(2) == 0,
        };
        return Attempt(() =>
        {
            using var child = ProcessHandle.Start(path, argv, options);
            child.Kill();
            child.Wait();
        });
    }

    /// <summary>One case through Command.</summary>
    private static string ThroughCommand(Random random, string scratch)
    {
        return Attempt(() =>
        {
            var command = new Command(RandomProgram(random, scratch), [.. Enumerable.Range(0, random.Next(0, 4)).Select(_ => RandomString(random))]);
            for (int i = random.Next(4); i > 0; i--) command = command.WithEnvironment(RandomString(random), random.Next(4) == 0 ? null : RandomString(random));
            if (random.Next(3) == 0) command = command.WithWorkingDirectory(RandomDirectory(random, scratch));
            if (random.Next(3) == 0) command = command.WithStdin(InputSource.FromString(RandomString(random)));
            using ChildProcess child = command.WithExitCodeValidation(false).Start();
            child.Kill();
            child.Wait();
        });
    }

    private static string Attempt(Action action)
    {
        try
        {
            action();
            return "started";
        }
        catch (ArgumentException e)
        {
            return e.GetType().Name;
        }
        catch (ProcessStartException e)
        {
            return $"ProcessStartException {e.ErrorName}";
        }
        // Anything else is undocumented and fails the test with its stack trace.
    }

    private static string RandomProgram(Random random, string scratch) => random.Next(6) switch
    {
        0 => "true",
        1 => "/bin/true",
        2 => RandomString(random).Replace("/", "", StringComparison.Ordinal) is { Length: > 0 } name ? name : "x",
        _ => RandomPath(random, scratch),
    };

    private static string RandomPath(Random random, string scratch) => random.Next(8) switch
    {
        0 => "/bin/true",
        1 => scratch,                                     // a directory
        2 => "/etc/passwd",                               // not executable
        3 => "/" + new string('a', random.Next(200, 5000)), // ENAMETOOLONG territory
        4 => "/bin/tr\0ue",
        5 => "rel/" + RandomString(random),
        _ => RandomString(random) is { Length: > 0 } s ? s : "/",
    };

    private static string? RandomDirectory(Random random, string scratch) => random.Next(4) switch
    {
        0 => scratch,
        1 => "/no/such/" + RandomString(random),
        2 => "/etc/passwd", // not a directory
        _ => RandomString(random),
    };

    private static List<string> RandomEnvironment(Random random)
    {
        // Now and then 100,000 entries: more than execve takes (E2BIG).
        int count = random.Next(10) == 0 ? 100_000 : random.Next(0, 20);
        var entries = new List<string>(count);
        for (int i = 0; i < count; i++) entries.Add($"K{i}={RandomString(random, small: true)}");
        return entries;
    }

    /// <summary>One hostile class per string, so that many strings also get past validation into the kernel.</summary>
    private static string RandomString(Random random, bool small = false)
    {
        int length = small ? random.Next(0, 8) : random.Next(0, 64);
        var text = new StringBuilder(length);
        for (int i = 0; i < length; i++) text.Append(random.Next(4) == 0 ? (char)random.Next(0x80, 0x800) : (char)random.Next(0x20, 0x7F));
        int at = text.Length == 0 ? 0 : random.Next(text.Length);
        switch (random.Next(small ? 8 : 10))
        {
            case 0: return "";
            case 1: return text.Insert(at, '\0').ToString();                  // NUL: refused
            case 2: return text.Insert(at, '\uD800').ToString();              // lone high surrogate
            case 3: return text.Insert(at, '\uDC00').ToString();              // lone low surrogate
            case 4: return text.Insert(at, '=').ToString();
            case 5: return text.Insert(at, '/').ToString();
            case 9: return new string('x', 1 << 20);                          // 1 MB: over MAX_ARG_STRLEN (E2BIG)
            default: return text.ToString();
        }
    }
}
