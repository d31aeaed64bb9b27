using System.Globalization;

namespace Mesh.Heal.Demo;

/// <summary><c>meshctl upstream</c> (run as <c>meshheal-demo upstream</c>): the demo's upstream as a process of its own,
/// which the chaos scenarios and the benchmarks start, kill and restart.</summary>
internal static class UpstreamCommand
{
    /// <summary>The options after the verb, and their accepted values.</summary>
    public const string Accepted = "--port 0-65535, --name <text>, --call <http url>, --memory-limit <bytes, such as 512MiB>, --capacity <requests/s, above 0>";

    /// <summary>Runs the upstream until the process is asked to stop.</summary>
    public static async Task<int> RunAsync(ReadOnlyMemory<string> arguments, TextWriter output, TextWriter error)
    {
        var args = arguments.Span;
        var port = 18080;
        var name = "primary";
        Uri? call = null;
        long? memoryLimit = null;
        double? capacity = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], out port) && port is >= 0 and <= 65535:
                    i++;
                    break;
                case "--name" when i + 1 < args.Length:
                    name = args[++i];
                    break;
                case "--call" when i + 1 < args.Length && Uri.TryCreate(args[i + 1], UriKind.Absolute, out call) && call.Scheme is "http" or "https":
                    i++;
                    break;
                case "--memory-limit" when i + 1 < args.Length && DemoUpstream.TryBytes(args[i + 1], out var bytes) && bytes > 0:
                    memoryLimit = bytes;
                    i++;
                    break;
                case "--capacity" when i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var c) && c is > 0 and <= 1_000_000:
                    capacity = c;
                    i++;
                    break;
                default:
                    await error.WriteLineAsync($"meshctl upstream: '{args[i]}' is not accepted; accepted: {Accepted}");
                    return 2;
            }
        }

        var memory = new UpstreamMemory(memoryLimit, problem =>
        {
            error.WriteLine($"upstream '{name}': {problem}; exiting as an out-of-memory kill would");
            Environment.Exit(137);
        }, TimeProvider.System);
        await using (var upstream = await DemoUpstream.StartAsync(name, port, call, memory, capacity))
        {
            await output.WriteLineAsync($"upstream '{name}' listening on {upstream.Address}; Ctrl+C to stop");
            var stopped = new TaskCompletionSource();
            upstream.Stopping.Register(() => stopped.TrySetResult());
            await stopped.Task;
        }

        return 0;
    }
}
