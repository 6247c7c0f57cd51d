// Spawn publishes a Meter and an ActivitySource, both named "Spawn" (docs/observability.md lists
// every instrument and attribute). An app that uses the OpenTelemetry SDK subscribes to them by
// name, as to HttpClient's: nothing else is needed. This sample runs a few commands and prints
// their spans as they end, then the metrics when the providers are disposed.
using System.Runtime.Versioning;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Spawn;

[assembly: SupportedOSPlatform("linux")]

ResourceBuilder resource = ResourceBuilder.CreateDefault().AddService("spawn-observability-sample");
using (TracerProvider tracing = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(resource).AddSource("Spawn").AddConsoleExporter().Build())
using (MeterProvider metrics = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter("Spawn").AddConsoleExporter().Build())
{
    // A capture: counted in spawn.output.captured. The arguments stay out of the span...
    BufferedCommandResult uname = await new Command("uname", "-sr").OutputAsync();
    Console.WriteLine($"uname says: {uname.StandardOutput.Trim()}");

    // ...unless the command opts in: then the span has process.command_args.
    await new Command("echo", "safe", "to", "export").WithTelemetryArguments().RunAsync();

    // Runs that do not succeed: the span's status is Error and spawn.outcome says why.
    await new Command("sh", "-c", "exit 3").WithThrowOnFailure(false).RunAsync();
    await new Command("sleep", "10").WithTimeout(TimeSpan.FromMilliseconds(200)).WithThrowOnFailure(false).RunAsync();

    // A start failure: spawn.process.start_failures by errno, and an error span with the exception.
    try
    {
        await new Command("no-such-program-in-path").RunAsync();
    }
    catch (ProcessStartException e)
    {
        Console.WriteLine($"as expected: {e.Message}");
    }

    // The handle layer has no span, but its children are counted, timed and reaped like a command's.
    using (ProcessHandle child = ProcessHandle.Start("/bin/sleep", ["sleep", "0.1"]))
    {
        Console.WriteLine($"handle: {child.Wait()}");
    }

    Console.WriteLine("-- the metrics, exported as the MeterProvider is disposed:");
}
