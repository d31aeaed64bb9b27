using System.Text.RegularExpressions;
using Mesh.Heal.Chaos;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.IntegrationTests.Support;
using Microsoft.Playwright;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Mesh.Heal.IntegrationTests.Dashboard;

/// <summary>The dashboard page in Debian's Chromium against a real control plane, sidecar and upstreams: what an operator
/// sees change live, and what an approve click does with a reader's and an admin's token.</summary>
[Collection(nameof(IntegrationCollection))]
public class DashboardTests(DashboardBrowser browser, ITestOutputHelper output) : IClassFixture<DashboardBrowser>, IAsyncLifetime
{
    private const string Admin = "admin-token-0123456789";
    private const string Reader = "reader-token-0123456789";
    private const string SidecarToken = "sidecar-token-0123456789";
    private const string Marker = "set before the upstream failed";
    private static readonly LocatorAssertionsToHaveAttributeOptions Live = new() { Timeout = 20000 };
    private readonly List<IPage> _pages = [];
    private volatile bool _ended;

    [Fact]
    public async Task Graph_UpstreamStartsFailing_ItsEdgeTurnsFromGreenToRed_WithoutAReload()
    {
        await using var controlPlane = await StartAsync();
        await using var mesh = Support.Mesh.Start();
        var sidecar = await mesh.AddSidecarAsync(controlPlane, "orders-1", token: Admin);
        var (page, navigations) = await OpenAsync(controlPlane, Reader);
        var edge = page.Locator("[data-testid=edge][data-caller=orders][data-callee=backend]");

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("primary", (await Support.Mesh.GetAsync(sidecar)).Body);
        }

        await Expect(edge).ToHaveAttributeAsync("data-color", "green", Live);
        await Expect(page.Locator("[data-testid=node][data-service=orders]")).ToBeVisibleAsync();
        await page.EvaluateAsync($"() => {{ window.meshhealMarker = '{Marker}'; }}");
        await ScreenshotAsync(page, "graph-green");

        mesh.Primary.Reset();
        mesh.Primary.Given(Request.Create().UsingAnyMethod()).RespondWith(Response.Create().WithStatusCode(500).WithBody("broken"));
        for (var i = 0; i < 20; i++)
        {
            await Support.Mesh.GetAsync(sidecar);
        }

        await Expect(edge).ToHaveAttributeAsync("data-color", "red", Live);
        await page.WaitForFunctionAsync(
            "() => Number(document.querySelector('[data-testid=edge][data-caller=orders][data-callee=backend]')?.dataset.successRate) < 0.95", null, new() { Timeout = 20000 });
        await Expect(page.Locator("[data-testid=node][data-service=backend]")).ToHaveAttributeAsync("data-breaker", new Regex("^(open|half-open|isolated)$"), Live);
        await Expect(page.Locator("[data-testid=edge-metrics][data-caller=orders][data-callee=backend]")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("figure-availability").Locator(".figure-value")).ToHaveTextAsync(new Regex(@"^(?!100\.000)\d+\.\d{3} %$"), new() { Timeout = 20000 });
        await ScreenshotAsync(page, "graph-red");
        Assert.Equal(Marker, await page.EvaluateAsync<string>("() => window.meshhealMarker"));
        Assert.Equal(1, navigations());
        await Expect(page.GetByTestId("conn")).ToHaveAttributeAsync("data-state", "live");
    }

    [Fact]
    public async Task Flow_ProposedAction_ReaderApproveIsRefusedAndStaysProposed_AdminApproveAppliesIt_TheRowUpdatesLive()
    {
        await using var controlPlane = await StartAsync();
        await using var mesh = Support.Mesh.Start();
        var sidecar = await mesh.AddSidecarAsync(controlPlane, "orders-1", token: Admin);
        for (var i = 0; i < 20; i++)
        {
            await Support.Mesh.GetAsync(sidecar);
        }

        await controlPlane.PutPolicyAsync("orders", "service: orders\nclusters:\n  backend:\n    timeout: 3s\n", Admin);
        var issue = controlPlane.Store.UpsertIssue("circuit-breaker/orders/upstream-errors/dashboard-test", "orders", ["orders"], "upstream-errors", "high", "backend answers 5xx");
        var action = controlPlane.Store.AddAction(
            issue.Id, "orders", "circuit-breaker", "timeout.tighten", "cut the backend timeout to 1s", "medium", automatic: false, dryRun: false,
            diff: "clusters.backend.timeout: 3s -> 1s", rollbackPlan: "set the timeout back to 3s", key: "timeout.tighten:orders/backend:clusters:backend:timeout",
            details: """{"actuator":"policy","target":"orders/backend","changes":{"clusters:backend:timeout":"1s"},"signal":["orders/backend"]}""");
        // An hour of a process leaking 5 MB a minute towards its 1 GB limit, as the sidecars' resource reports roll up.
        var minute = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60 * 60);
        controlPlane.Store.AddRollups([], [.. Enumerable.Range(1, 60).Select(m => new ResourceRollup(
            "orders", "orders-0", "service", TimeSpan.FromMinutes(1), minute.AddMinutes(-m), 60, 600_000_000 + ((60 - m) * 5_000_000L), 300_000_000, 20, 100, 5, 1_000_000_000, 1024))]);
        var (page, navigations) = await OpenAsync(controlPlane, Reader);
        var row = page.Locator($"[data-testid=action][data-action-id='{action.Id}']");
        var outcome = page.Locator($"[data-testid=action-outcome][data-action-id='{action.Id}']");
        await Expect(row).ToHaveAttributeAsync("data-state", "proposed", Live);

        await page.Locator($"[data-testid=approve][data-action-id='{action.Id}']").ClickAsync();

        await Expect(outcome).ToContainTextAsync("approving needs an admin token", new() { Timeout = 10000 });
        await Expect(page.Locator($"[data-testid=issue][data-issue-id='{issue.Id}']")).ToContainTextAsync("backend answers 5xx");
        Assert.Equal("proposed", controlPlane.Store.Action(action.Id)!.State);
        await Expect(row).ToHaveAttributeAsync("data-state", "proposed");
        var leak = page.Locator("[data-testid=forecast][data-service=orders][data-metric=working_set_bytes][data-instance=orders-0]");
        await Expect(leak.Locator("path.band")).ToHaveCountAsync(1, new() { Timeout = 10000 });
        await Expect(leak.Locator("line.limit")).ToHaveCountAsync(1);
        await Expect(leak.GetByTestId("exhausted")).ToContainTextAsync("reaches the limit");
        await ScreenshotAsync(page, "approve-as-reader");

        await UseTokenAsync(page, Admin);
        await page.Locator($"[data-testid=approve][data-action-id='{action.Id}']").ClickAsync();

        await Expect(outcome).ToContainTextAsync("approved", new() { Timeout = 10000 });
        await Wait.UntilAsync(() => Task.FromResult(controlPlane.Store.Action(action.Id)!.State is "applied" or "succeeded"), "the coordinator applied the approved action");
        await Expect(row).ToHaveAttributeAsync("data-state", new Regex("^(applied|succeeded)$"), Live);
        await Expect(page.Locator($"[data-testid=approve][data-action-id='{action.Id}']")).ToHaveCountAsync(0);
        Assert.Equal(2, controlPlane.Store.Policy("orders")!.Version);
        await Expect(page.Locator("[data-testid=policy-service][data-service=orders]")).ToHaveAttributeAsync("data-version", "2", Live);
        await Expect(page.Locator("[data-testid=sidecar][data-instance=orders-1]")).ToHaveAttributeAsync("data-acked", "2", Live);
        await page.Locator("[data-testid=policy-service][data-service=orders] [data-testid=policy-toggle]").ClickAsync();
        await Expect(page.GetByTestId("policy-document")).ToContainTextAsync("1s", new() { Timeout = 10000 });
        await Expect(page.GetByTestId("audit")).ToContainTextAsync("action.approve", new() { Timeout = 10000 });
        Assert.Equal(1, navigations());
        await ScreenshotAsync(page, "approved-as-admin");
    }

    [Fact]
    public async Task Flow_WrongAndSidecarTokens_AreNamed_ReaderViews_ControlPlaneRestarts_ThePageReconnectsByItself()
    {
        var controlPlane = await StartAsync();
        try
        {
            var (page, navigations) = await OpenAsync(controlPlane, token: null);
            await page.GetByTestId("token-input").FillAsync("wrong-token-0123456789");
            await page.GetByTestId("token-use").ClickAsync();

            await Expect(page.GetByTestId("access")).ToContainTextAsync("401 not signed in", new() { Timeout = 10000 });
            await Expect(page.GetByTestId("conn")).ToHaveAttributeAsync("data-state", "reconnecting");
            await page.GetByTestId("token-input").FillAsync(SidecarToken);
            await page.GetByTestId("token-use").ClickAsync();
            await Expect(page.GetByTestId("access")).ToContainTextAsync("403 not allowed", new() { Timeout = 10000 });

            await UseTokenAsync(page, Reader);
            await controlPlane.StopAsync();
            await Expect(page.GetByTestId("conn")).ToHaveAttributeAsync("data-state", new Regex("^(reconnecting|connecting)$"), Live);
            controlPlane = await controlPlane.RestartAsync();

            await Expect(page.GetByTestId("conn")).ToHaveAttributeAsync("data-state", "live", Live);
            await Expect(page.GetByTestId("access")).ToHaveTextAsync("viewing with the pasted token");
            Assert.Equal(1, navigations());
        }
        finally
        {
            await controlPlane.DisposeAsync();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Closes this test's pages, so nothing of one test (its console, its stream) reaches the next.</summary>
    public async Task DisposeAsync()
    {
        _ended = true;
        foreach (var page in _pages)
        {
            await page.CloseAsync();
        }
    }

    private static Task<TestControlPlane> StartAsync() =>
        TestControlPlane.StartAsync(
            "--ControlPlane:Auth:AdminTokens:0=" + Admin, "--ControlPlane:Auth:ReaderTokens:0=" + Reader, "--ControlPlane:Auth:ServiceTokens:orders:0=" + SidecarToken);

    /// <summary>Opens /dashboard/ on a fresh page, uses <paramref name="token"/> (when given) and waits for the live stream; counts
    /// the page's main-frame navigations, which stay at one when nothing reloads it.</summary>
    private async Task<(IPage Page, Func<int> Navigations)> OpenAsync(TestControlPlane controlPlane, string? token)
    {
        var page = await browser.Context.NewPageAsync();
        _pages.Add(page);
        var navigations = 0;
        page.FrameNavigated += (_, frame) =>
        {
            if (frame == page.MainFrame)
            {
                Interlocked.Increment(ref navigations);
            }
        };
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                Log($"browser console {message.Type}: {message.Text} ({message.Location})");
            }
        };
        page.PageError += (_, error) => Log("page error: " + error);
        await page.GotoAsync(new Uri(controlPlane.HttpUri, "/dashboard/").ToString());
        if (token is not null)
        {
            await UseTokenAsync(page, token);
        }

        return (page, () => Volatile.Read(ref navigations));
    }

    // Browser events can arrive as the test ends; xunit's output refuses lines then, and Playwright must not see that throw.
    private void Log(string line)
    {
        if (!_ended)
        {
            try
            {
                output.WriteLine(line);
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    private static async Task UseTokenAsync(IPage page, string token)
    {
        await page.GetByTestId("token-input").FillAsync(token);
        await page.GetByTestId("token-use").ClickAsync();
        await Expect(page.GetByTestId("conn")).ToHaveAttributeAsync("data-state", "live", Live);
        await Expect(page.GetByTestId("access")).ToHaveTextAsync("viewing with the pasted token");
    }

    /// <summary>A full-page screenshot in tests/artifacts/dashboard/ (and, with MESHHEAL_UPDATE_SCREENSHOTS=1, the
    /// checked-in copy the README shows).</summary>
    private async Task ScreenshotAsync(IPage page, string name)
    {
        var directory = Path.Combine(Programs.Root, "tests", "artifacts", "dashboard");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name + ".png");
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        output.WriteLine("screenshot: " + path);
        if (Environment.GetEnvironmentVariable("MESHHEAL_UPDATE_SCREENSHOTS") == "1")
        {
            var checkedIn = Path.Combine(Programs.Root, "tests", "Mesh.Heal.IntegrationTests", "Dashboard", "screenshots");
            Directory.CreateDirectory(checkedIn);
            File.Copy(path, Path.Combine(checkedIn, name + ".png"), overwrite: true);
            output.WriteLine("updated: " + Path.Combine(checkedIn, name + ".png"));
        }
    }
}
