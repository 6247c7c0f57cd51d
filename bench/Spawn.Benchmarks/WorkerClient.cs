using System.Text.Json;
using Spawn.Benchmarks.Scenarios;

namespace Spawn.Benchmarks;

/// <summary>The orchestrator's side of one worker process (started with Spawn's own Command, pipes on stdin and stdout).</summary>
internal sealed class WorkerClient : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(10);

    private readonly string _name;
    private readonly ChildProcess _child;
    private readonly StreamWriter _input;
    private readonly StreamReader _output;

    private WorkerClient(string name, ChildProcess child)
    {
        _name = name;
        _child = child;
        _input = new StreamWriter(child.Stdin!) { AutoFlush = true, NewLine = "\n" };
        _output = new StreamReader(child.Stdout!);
    }

    internal static async Task<WorkerClient> StartAsync(Scenario scenario, string key, BenchOptions options)
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var arguments = new List<string>();
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") arguments.Add(typeof(WorkerClient).Assembly.Location);
        arguments.AddRange(["--worker", scenario.Name, key, .. options.WorkerArguments()]);
        ChildProcess child = new Spawn.Command(self, arguments)
            .WithStdin(InputSource.Pipe)
            .WithStdout(OutputTarget.Pipe)
            .WithStderr(OutputTarget.Inherit)
            .WithExitCodeValidation(false)
            .Start();
        var client = new WorkerClient($"{scenario.Name}/{key}", child);
        await client.ExpectAsync("ready").ConfigureAwait(false);
        return client;
    }

    internal async Task<Sample> RunAsync(string contender)
    {
        await _input.WriteLineAsync($"run {contender}").ConfigureAwait(false);
        string line = await ReadAsync().ConfigureAwait(false);
        return JsonSerializer.Deserialize<Sample>(line) ?? throw new InvalidOperationException($"worker {_name}: empty answer");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _input.WriteLineAsync("quit").ConfigureAwait(false);
            await ExpectAsync("bye").ConfigureAwait(false);
        }
        finally
        {
            _input.Dispose();
            CommandResult result = await _child.WaitAsync().ConfigureAwait(false);
            await _child.DisposeAsync().ConfigureAwait(false);
            if (!result.Success) throw new InvalidOperationException($"worker {_name} ended with {result.State}");
        }
    }

    private async Task ExpectAsync(string expected)
    {
        string line = await ReadAsync().ConfigureAwait(false);
        if (line != expected) throw new InvalidOperationException($"worker {_name}: expected '{expected}', got '{line}'");
    }

    private async Task<string> ReadAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        string? line = await _output.ReadLineAsync(timeout.Token).ConfigureAwait(false);
        if (line is null) throw new InvalidOperationException($"worker {_name} ended without answering");
        if (line.StartsWith("error ", StringComparison.Ordinal)) throw new InvalidOperationException($"worker {_name} failed: {line[6..]}");
        return line;
    }
}
