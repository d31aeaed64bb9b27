using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Mesh.Heal.ControlPlane.Dashboard.Internal;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Heal.ControlPlane.Tests.Dashboard;

/// <summary>The dashboard's endpoints on a real control plane on 127.0.0.1 (auth on, a store in a temporary directory): the
/// page's files with no token, and <c>/v1/events</c> with the read calls' authorization and answers.</summary>
public sealed class DashboardEndpointsTests : IAsyncLifetime
{
    private const string Admin = "admin-token-0123456789";
    private const string Reader = "reader-token-0123456789";
    private const string Sidecar = "sidecar-token-0123456789";
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private string _directory = null!;

    public async Task InitializeAsync()
    {
        _directory = Directory.CreateTempSubdirectory("meshheal-dashboard-").FullName;
        _app = ControlPlaneHost.Build(
            [
                "--ControlPlane:GrpcUrl=http://127.0.0.1:0", "--ControlPlane:HttpUrl=http://127.0.0.1:0",
                "--ControlPlane:StorePath=" + Path.Combine(_directory, "cp.db"),
                "--ControlPlane:Auth:AdminTokens:0=" + Admin, "--ControlPlane:Auth:ReaderTokens:0=" + Reader,
                "--ControlPlane:Auth:ServiceTokens:orders:0=" + Sidecar,
                "--ControlPlane:Dashboard:RefreshInterval=00:00:00.1",

                // The tests seed issues and actions themselves; the coordinator would act on them.
                "--ControlPlane:Healing:Enabled=false",
            ],
            builder =>
            {
                builder.Logging.SetMinimumLevel(LogLevel.Warning);
                builder.Services.AddSingleton(new DashboardFiles(typeof(DashboardEndpointsTests).Assembly, "dashboard-fixture/"));

                // Long enough that a stop waiting on an open event stream would outlast every test deadline.
                builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMinutes(10));
            });
        await _app.StartAsync();
        _http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false })
        {
            BaseAddress = _app.Services.GetRequiredService<ControlPlaneEndpoints>().HttpUri, Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData("/dashboard/", "text/html", "<title>fixture</title>")]
    [InlineData("/dashboard/index.html", "text/html", "<title>fixture</title>")]
    [InlineData("/dashboard/assets/app.js", "text/javascript", "export const fixture")]
    [InlineData("/dashboard/style.css", "text/css", "margin: 0")]
    public async Task Files_NoToken_AreServedWithTheirContentType(string path, string contentType, string content)
    {
        using var response = await _http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.True(response.Headers.CacheControl?.NoCache);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Contains(content, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Files_Missing_AreNotFound()
    {
        using var response = await _http.GetAsync("/dashboard/missing.js");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/dashboard")]
    public async Task Root_RedirectsToTheDashboard(string path)
    {
        using var response = await _http.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/dashboard/", response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized, 16)]
    [InlineData("not-a-configured-token-at-all", HttpStatusCode.Unauthorized, 16)]
    [InlineData(Sidecar, HttpStatusCode.Forbidden, 7)]
    public async Task Events_WithoutAReadToken_AreRefusedAsTheApiRefuses(string? token, HttpStatusCode expected, int code)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/events");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(expected, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(code, body.RootElement.GetProperty("code").GetInt32());

        // The transcoded API answers the same token the same way.
        using var status = new HttpRequestMessage(HttpMethod.Get, "/v1/mesh/status");
        status.Headers.Authorization = request.Headers.Authorization;
        using var api = await _http.SendAsync(status);
        Assert.Equal(expected, api.StatusCode);
    }

    [Theory]
    [InlineData(Reader)]
    [InlineData(Admin)]
    public async Task Events_ReadToken_SendsEveryKind_WithTheGetAnswers(string token)
    {
        Store.Audit("alice", "policy.put", "orders", "orders", "v1");
        using var events = await EventReader.OpenAsync(_http, token);

        var first = new Dictionary<string, string>(StringComparer.Ordinal);
        while (first.Count < 6)
        {
            var (kind, data) = await events.NextAsync();
            Assert.True(first.TryAdd(kind, data), $"{kind} sent twice before every kind was sent once");
        }

        Assert.Equal(["status", "topology", "issues", "actions", "audit", "report"], first.Keys);
        foreach (var (kind, path) in (List<(string, string)>)[("status", "/v1/mesh/status"), ("topology", "/v1/topology"), ("issues", "/v1/issues?limit=100"),
            ("actions", "/v1/actions?limit=100"), ("audit", "/v1/audit?limit=100"), ("report", "/v1/report")])
        {
            Assert.Equal(EventLoop.Key(await GetAsync(path, token)), EventLoop.Key(first[kind]));
        }

        Assert.Contains("policy.put", first["audit"], StringComparison.Ordinal);
        Assert.Equal(await GetAsync("/v1/audit?limit=100", token), first["audit"]);
    }

    [Fact]
    public async Task Events_AChange_SendsItsKindAgain()
    {
        using var events = await EventReader.OpenAsync(_http, Reader);
        for (var i = 0; i < 6; i++)
        {
            await events.NextAsync();
        }

        Store.Audit("alice", "action.approve", "orders", "a-1", "approved");
        var (kind, data) = await events.NextAsync();

        Assert.Equal("audit", kind);
        Assert.Contains("action.approve", data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_HostStops_TheStreamEnds_AndDoesNotHoldTheStop()
    {
        using var events = await EventReader.OpenAsync(_http, Reader);
        await events.NextAsync();

        await _app.StopAsync().WaitAsync(Wait.DefaultDeadline);

        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            while (true)
            {
                await events.NextAsync();
            }
        });
    }

    [Fact]
    public async Task Topology_Nodes_CarryOpenIssuesAndActiveHealings_AsStatusCountsThem()
    {
        var issue = Store.UpsertIssue("circuit-breaker/payments/upstream-errors/payments", "payments", ["payments"], "upstream-errors", "high", "payments fails");
        Store.UpsertIssue("latency/payments/latency/payments", "payments", ["payments"], "latency", "medium", "payments is slow");
        var action = Store.AddAction(issue.Id, "payments", "breaker", "policy", "open the breaker", "medium", automatic: false, dryRun: false, "", "");
        Store.AddAction(issue.Id, "payments", "breaker", "policy", "another proposal", "medium", automatic: false, dryRun: false, "", "");
        using (var approve = new HttpRequestMessage(HttpMethod.Post, $"/v1/actions/{action.Id}:approve"))
        {
            approve.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Admin);
            using var approved = await _http.SendAsync(approve);
            Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        }

        using var topology = JsonDocument.Parse(await GetAsync("/v1/topology", Reader));

        var payments = Assert.Single(topology.RootElement.GetProperty("nodes").EnumerateArray(), n => n.GetProperty("name").GetString() == "payments");
        Assert.Equal(2, payments.GetProperty("openIssues").GetInt32());
        Assert.Equal(1, payments.GetProperty("activeHealings").GetInt32());
        Assert.Equal(0, payments.GetProperty("sidecars").GetInt32());
        Assert.Equal("HEALTH_STATE_UNSPECIFIED", payments.GetProperty("health").GetString());
    }

    [Fact]
    public async Task Topology_BadWindow_IsInvalidArgumentNamingWindow()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/topology?window=forever");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Reader);
        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("window", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forecasts_BadHorizon_IsInvalidArgumentNamingHorizon()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/forecasts?horizon=30d0");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Reader);
        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("horizon", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private MeshStore Store => _app.Services.GetRequiredService<MeshStore>();

    private async Task<string> GetAsync(string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Reads server-sent events from <c>/v1/events</c>, skipping comments; each read has its own deadline.</summary>
    private sealed class EventReader : IDisposable
    {
        private readonly HttpResponseMessage _response;
        private readonly StreamReader _reader;

        private EventReader(HttpResponseMessage response, Stream stream)
        {
            _response = response;
            _reader = new StreamReader(stream);
        }

        public static async Task<EventReader> OpenAsync(HttpClient http, string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/events");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            return new EventReader(response, await response.Content.ReadAsStreamAsync());
        }

        public async Task<(string Kind, string Data)> NextAsync()
        {
            using var deadline = new CancellationTokenSource(Wait.DefaultDeadline);
            string? kind = null;
            string? data = null;
            while (true)
            {
                var line = await _reader.ReadLineAsync(deadline.Token) ?? throw new EndOfStreamException("the event stream ended");
                if (line.Length == 0)
                {
                    if (kind is not null && data is not null)
                    {
                        return (kind, data);
                    }

                    continue;
                }

                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    kind = line["event: ".Length..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data = line["data: ".Length..];
                }
            }
        }

        public void Dispose()
        {
            _reader.Dispose();
            _response.Dispose();
        }
    }
}
