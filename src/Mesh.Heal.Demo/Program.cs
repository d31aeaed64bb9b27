using Mesh.Heal.Demo;

// meshheal-demo: what `meshctl demo` and `meshctl upstream` run (meshctl finds this program and passes its arguments on).
//   meshheal-demo [demo] [--duration 30s] [--rate 200] [--quiet]
//   meshheal-demo upstream [--port 18080] [--name primary] [--call <url>] [--memory-limit 512MiB] [--capacity <requests/s>]
if (args.Length > 0 && args[0] == "upstream")
{
    return await UpstreamCommand.RunAsync(args.AsMemory(1), Console.Out, Console.Error);
}

var demoArgs = args.Length > 0 && args[0] == "demo" ? args.AsSpan(1) : args.AsSpan();
if (!DemoArguments.TryParse(demoArgs, out var options, out var error))
{
    await Console.Error.WriteLineAsync("meshctl demo: " + error);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
var summary = await new DemoRunner(options, Console.Out, TimeProvider.System).RunAsync(cancel.Token);
return summary.Total > 0 ? 0 : 1;
