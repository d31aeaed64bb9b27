using System.Text.Json.Nodes;
using Mesh.Heal.Chaos;

namespace Mesh.Heal.IntegrationTests.Deploy;

/// <summary>The Grafana dashboard in <c>deploy/grafana/</c> is checked against the programs: its datasource is a variable,
/// every query is PromQL that the real <c>promtool</c> accepts, and every metric it reads is in the <c>/metrics</c> of a
/// running sidecar and control plane after traffic, an impatient caller, a failing upstream and a policy push, and each <c>meshheal_</c>
/// metric they export there is on a panel.</summary>
public class GrafanaDashboardTests
{
    [Fact]
    public void Dashboard_ParsesWithADatasourceVariable_AndEveryPanelUsesIt()
    {
        var dashboard = GrafanaDashboard.Load();
        Assert.InRange(dashboard["schemaVersion"]!.GetValue<int>(), 36, 41);
        var variables = dashboard["templating"]!["list"]!.AsArray().OfType<JsonObject>().ToList();
        var datasource = Assert.Single(variables, v => v["name"]!.GetValue<string>() == "datasource");
        Assert.Equal("datasource", datasource["type"]!.GetValue<string>());
        Assert.Equal("prometheus", datasource["query"]!.GetValue<string>());
        Assert.Equal(["cluster", "service"], GrafanaDashboard.QueryVariables(dashboard).Select(v => v.Name).Order(StringComparer.Ordinal));

        var panels = GrafanaDashboard.Panels(dashboard).Where(p => p["type"]!.GetValue<string>() != "row").ToList();
        Assert.NotEmpty(panels);
        Assert.Equal(panels.Count, panels.Select(p => p["id"]!.GetValue<int>()).Distinct().Count());
        foreach (var panel in panels)
        {
            Assert.True(panel["datasource"]?["uid"]?.GetValue<string>() == "${datasource}", $"panel {panel["title"]} uses ${{datasource}}");
            var targets = panel["targets"]!.AsArray().OfType<JsonObject>().ToList();
            Assert.NotEmpty(targets);
            Assert.All(targets, t => Assert.Equal("${datasource}", t["datasource"]?["uid"]?.GetValue<string>()));
        }

        foreach (var variable in variables.Where(v => v["type"]!.GetValue<string>() == "query"))
        {
            Assert.Equal("${datasource}", variable["datasource"]?["uid"]?.GetValue<string>());
        }
    }

    [Fact]
    public async Task EveryExpression_IsValidPromQl_ForTheRealPromtool()
    {
        var expressions = GrafanaDashboard.Expressions(GrafanaDashboard.Load()).Select(e => e.Expression).ToList();
        Assert.True(expressions.Count >= 15, $"{expressions.Count} expressions");
        var (exitCode, output) = await GrafanaDashboard.PromtoolCheckAsync(expressions);
        Assert.True(exitCode == 0, output);
        Assert.Contains($"{expressions.Count} rules found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PromtoolCheck_FailsOnAnInvalidExpression()
    {
        var (exitCode, output) = await GrafanaDashboard.PromtoolCheckAsync(["sum by (cluster) (rate(meshheal_requests_total[$__rate_interval])"]);
        Assert.True(exitCode != 0, output);
    }

    [Theory]
    [InlineData("meshheal_requests_total", "meshheal_requests_total")]
    [InlineData(@"sum by (service, cluster) (rate(meshheal_requests_total{service=~""$service"", outcome!=""client_aborted""}[$__rate_interval]))", "meshheal_requests_total")]
    [InlineData("histogram_quantile(0.99, sum by (le) (rate(meshheal_request_duration_seconds_bucket[5m])))", "meshheal_request_duration_seconds_bucket")]
    [InlineData("sum(rate(a_total[1m])) by (le) / on(job) group_left(instance) sum without (pod) (b_total offset 5m) > bool 1e3", "a_total", "b_total")]
    [InlineData(@"max by (cluster) (meshheal_breaker_state{cluster=""rate(x)""}) or vector(0) and up unless absent(c:recorded:rate5m)", "meshheal_breaker_state", "up", "c:recorded:rate5m")]
    [InlineData(@"{__name__=""meshheal_health_state"", cluster=""b""} + Inf", "meshheal_health_state")]
    [InlineData("0x1F * 2.5e-3 + time()")]
    public void MetricNames_FindsMetrics_NotFunctionsKeywordsLabelsOrNumbers(string expression, params string[] expected) =>
        Assert.Equal(expected, PromQl.MetricNames(expression));

    [Fact]
    public void MissingMetrics_NamesAMetricThatIsNotExported()
    {
        var dashboard = GrafanaDashboard.Load();
        var exported = GrafanaDashboard.Expressions(dashboard).SelectMany(e => PromQl.MetricNames(e.Expression)).ToHashSet(StringComparer.Ordinal);
        Assert.Empty(GrafanaDashboard.MissingMetrics(dashboard, exported));

        var target = GrafanaDashboard.Panels(dashboard).First(p => p["targets"] is not null)["targets"]![0]!.AsObject();
        target["expr"] = "sum(rate(meshheal_no_such_metric_total[$__rate_interval]))";
        var missing = Assert.Single(GrafanaDashboard.MissingMetrics(dashboard, exported));
        Assert.StartsWith("meshheal_no_such_metric_total ", missing, StringComparison.Ordinal);

        var variable = dashboard["templating"]!["list"]!.AsArray().OfType<JsonObject>().First(v => v["name"]!.GetValue<string>() == "service");
        variable["query"]!["query"] = "label_values(meshheal_gone_total, service)";
        Assert.Contains(GrafanaDashboard.MissingMetrics(dashboard, exported), m => m.StartsWith("meshheal_gone_total ($service)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EveryMetricTheDashboardReads_IsExported_ByARunningSidecarAndControlPlane()
    {
        var dashboard = GrafanaDashboard.Load();
        await using var mesh = new ChaosMesh();
        var upstream = await mesh.UpstreamAsync("b");
        var controlPlane = await mesh.ControlPlaneAsync();
        var fallback = new { StatusCode = 200, Body = "degraded answer", ContentType = "text/plain" };
        var sidecar = await mesh.SidecarAsync(
            "a", ChaosMesh.SidecarConfig("a", ("b", [upstream.Address]), ChaosMesh.Policy(fallback)),
            "--Sidecar:ControlPlaneUrl=" + controlPlane.GrpcUri, "--Sidecar:StateDirectory=" + Path.Combine(mesh.Directory, "state-a"));

        // A push and its ACK, and an invalid policy the control plane rejects.
        await controlPlane.PutPolicyAsync("a", ChaosMesh.PolicyDocument("a", "b", ChaosMesh.Policy(fallback, "00:00:00.4")));
        await Assert.ThrowsAsync<InvalidOperationException>(() => controlPlane.PutPolicyAsync("a", "service: a\nclusters: {b: {Timeout: not-a-time}}\n"));

        // Successes, then failures that take retries, trip the breaker and are served by the fallback.
        using var http = new HttpClient { BaseAddress = sidecar.Proxy, Timeout = TimeSpan.FromSeconds(5) };
        for (var i = 0; i < 20; i++)
        {
            (await http.GetAsync("/")).Dispose();
        }

        // A caller that gives up while the upstream is slow: a caller error, not an upstream failure.
        await upstream.FaultAsync("delay=2s");
        using (var impatient = new HttpClient { BaseAddress = sidecar.Proxy, Timeout = TimeSpan.FromMilliseconds(100) })
        {
            await Assert.ThrowsAsync<TaskCanceledException>(() => impatient.GetAsync("/"));
        }

        await upstream.FaultAsync("status=503");
        // The last value seen names what is still missing when the wait fails.
        var exported = new HashSet<string>(StringComparer.Ordinal);
        var missing = await Wait.UntilAsync(
            async () =>
            {
                (await http.GetAsync("/")).Dispose();
                exported = GrafanaDashboard.ExposedNames(await sidecar.MetricsAsync());
                exported.UnionWith(GrafanaDashboard.ExposedNames(await controlPlane.Http.GetStringAsync("/metrics")));
                return string.Join(", ", GrafanaDashboard.MissingMetrics(dashboard, exported));
            },
            static missing => missing.Length == 0,
            "every metric the dashboard reads is exported",
            TimeSpan.FromSeconds(30));
        Assert.Empty(missing);

        // And the other way round: a metric the programs export here has a panel (a histogram through its buckets).
        var read = GrafanaDashboard.Expressions(dashboard).SelectMany(e => PromQl.MetricNames(e.Expression)).ToHashSet(StringComparer.Ordinal);
        var unread = exported
            .Where(n => n.StartsWith("meshheal_", StringComparison.Ordinal) && !read.Contains(n))
            .Where(n => !((n.EndsWith("_sum", StringComparison.Ordinal) || n.EndsWith("_count", StringComparison.Ordinal))
                && read.Contains(n[..n.LastIndexOf('_')] + "_bucket")));
        Assert.Empty(unread);
    }
}
