using System.Diagnostics;
using System.Text.RegularExpressions;
using Mesh.Heal.Chaos;

namespace Mesh.Heal.IntegrationTests.Dashboard;

/// <summary>The dashboard's checked-in modules, without a browser: they parse, they fetch nothing from outside the
/// control plane, and the logic the page's tests hooks hang on (SSE framing, edge colours, layers) holds, run by Node.</summary>
public class DashboardModulesTests
{
    private static readonly string WwwRoot = Path.Combine(Programs.Root, "src", "Mesh.Heal.ControlPlane", "Dashboard", "wwwroot");

    [Fact]
    public async Task EveryModule_ParsesAsAnEsModule()
    {
        var directory = CopyModules();
        var modules = Directory.GetFiles(directory, "*.js");

        Assert.NotEmpty(modules);
        foreach (var module in modules)
        {
            var (code, text) = await NodeAsync(directory, "--check", module);
            Assert.True(code == 0, $"{Path.GetFileName(module)} does not parse: {text}");
        }

        await File.WriteAllTextAsync(Path.Combine(directory, "broken.js"), "export const x = ;\n");
        Assert.NotEqual(0, (await NodeAsync(directory, "--check", Path.Combine(directory, "broken.js"))).Code);
    }

    [Fact]
    public void NoFile_LoadsAnythingFromOutsideTheControlPlane()
    {
        var outside = new Regex(@"(src|href)\s*=\s*[""']?(https?:)?//|\bfrom\s+[""'](https?:)?//|import\s*\(\s*[""'](https?:)?//|fetch\(\s*[""'`](https?:)?//|url\(\s*[""']?(https?:)?//|@import");
        var files = Directory.GetFiles(WwwRoot, "*", SearchOption.AllDirectories);

        Assert.Contains(files, f => f.EndsWith("index.html", StringComparison.Ordinal));
        Assert.All(files, f => Assert.False(outside.IsMatch(File.ReadAllText(f)), $"{Path.GetFileName(f)} loads something from outside the control plane: {outside.Match(File.ReadAllText(f)).Value}"));
    }

    [Fact]
    public async Task Logic_SseFrames_EdgeColours_Layers_SparklineScales()
    {
        var directory = CopyModules();
        await File.WriteAllTextAsync(Path.Combine(directory, "check.js"), """
            import assert from 'node:assert/strict';
            import { parseFrames } from './api.js';
            import { edgeColor, layers } from './graph.js';
            import { sparkRange } from './dom.js';
            import { p99Series } from './metrics.js';

            const [frames, rest] = parseFrames('event: status\ndata: {"a":1}\n\n: keep-alive\n\nevent: topology\ndata: {"b"');
            assert.deepEqual(frames, [{ event: 'status', data: '{"a":1}' }]);
            assert.equal(rest, 'event: topology\ndata: {"b"');
            assert.deepEqual(parseFrames(rest + ':2}\n\n')[0], [{ event: 'topology', data: '{"b":2}' }]);

            const edge = (requests, successRate, more = {}) => ({ metrics: { requests, successRate }, ...more });
            assert.equal(edgeColor(edge('100', 1)), 'green');
            assert.equal(edgeColor(edge(100, 0.99)), 'green');
            assert.equal(edgeColor(edge(100, 0.97)), 'amber');
            assert.equal(edgeColor(edge(100, 0.949)), 'red');
            assert.equal(edgeColor(edge(0, undefined)), 'grey');
            assert.equal(edgeColor({ metrics: {} }), 'grey');
            assert.equal(edgeColor(edge(100, 1, { breaker: 'BREAKER_STATE_OPEN' })), 'red');
            assert.equal(edgeColor(edge(100, 1, { health: 'HEALTH_STATE_FAILED' })), 'red');
            assert.equal(edgeColor(edge(100, 1, { health: 'HEALTH_STATE_DEGRADED' })), 'amber');

            const depth = layers([{ name: 'web' }], [{ caller: 'web', callee: 'orders' }, { caller: 'orders', callee: 'db' }, { caller: 'web', callee: 'db' }]);
            assert.deepEqual(Object.fromEntries(depth), { web: 0, orders: 1, db: 2 });
            assert.deepEqual(sparkRange([0.97, 1], 0.9, 1), [0.9, 1]);
            assert.deepEqual(sparkRange([0.5, 1], 0.9, 1), [0.5, 1]);
            assert.deepEqual(p99Series({ requestsSeries: [3, 0, '2'], p99MsSeries: [12, 0, 30] }), [12, null, 30]);
            console.log('ok');
            """);

        var (code, text) = await NodeAsync(directory, Path.Combine(directory, "check.js"));

        Assert.True(code == 0 && text.Contains("ok", StringComparison.Ordinal), text);
    }

    /// <summary>The modules in a temporary directory marked as ES modules, as the browser loads them.</summary>
    private static string CopyModules()
    {
        var directory = Directory.CreateTempSubdirectory("meshheal-dashboard-js-").FullName;
        foreach (var file in Directory.GetFiles(WwwRoot, "*.js"))
        {
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        }

        File.WriteAllText(Path.Combine(directory, "package.json"), """{ "type": "module" }""");
        return directory;
    }

    private static async Task<(int Code, string Output)> NodeAsync(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("node is not on PATH: the dashboard module checks run Node (Debian's nodejs, which npm brings; tests/run.sh installs npm)", ex);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, await stdout + await stderr);
        }
    }
}
