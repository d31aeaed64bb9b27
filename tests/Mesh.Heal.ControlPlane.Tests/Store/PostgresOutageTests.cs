using System.Data.Common;
using System.Net;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Mesh.Heal.ControlPlane.Tests.Store;

/// <summary>PostgreSQL going away under a running store: calls fail with <see cref="DbException"/>, which the store's
/// callers log and retry, and work again once the server is back; nothing committed is lost.</summary>
public sealed class PostgresOutageTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Flow_Running_ServerStopped_CallsThrowDbException_Unhealthy_ServerBack_CallsWorkAndNothingIsLost()
    {
        using var test = await postgres.StoreAsync();
        var check = new StoreHealthCheck(test.Store);
        test.Store.AddPolicy("orders", "{}", "service: orders", "api", "alice");

        await postgres.Server.StopAsync();
        Assert.ThrowsAny<DbException>(() => test.Store.AddPolicy("orders", "{}", "service: orders", "api", "alice"));
        Assert.ThrowsAny<DbException>(() => test.Store.Policy("orders"));
        var down = await check.CheckHealthAsync(new HealthCheckContext());

        await postgres.Server.StartAgainAsync();
        var version = await Wait.UntilAsync(
            () => Task.FromResult(TryAdd(test.Store)), v => v > 0, "the store writes again after PostgreSQL restarted", TimeSpan.FromSeconds(30));
        var up = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, down.Status);
        Assert.Contains($"PostgreSQL 127.0.0.1:{postgres.Server.Port}/", down.Description, StringComparison.Ordinal);
        Assert.Equal(2, version);
        Assert.Equal(HealthStatus.Healthy, up.Status);
    }

    [Fact]
    public async Task Flow_ServerKilled_CallsThrowDbException_ServerRecovers_CommittedWritesAreThere()
    {
        using var test = await postgres.StoreAsync();
        for (var i = 0; i < 10; i++)
        {
            test.Store.AddPolicy("orders", "{}", "service: orders", "api", "alice");
        }

        postgres.Server.Kill();
        Assert.ThrowsAny<DbException>(() => test.Store.Policy("orders"));

        await postgres.Server.StartAgainAsync();
        var latest = await Wait.UntilAsync(
            () => Task.FromResult(TryLatest(test.Store)), v => v > 0, "the store reads again after PostgreSQL recovered", TimeSpan.FromSeconds(30));

        Assert.Equal(10, latest);
    }

    [Fact]
    public async Task Flow_ControlPlaneOnPostgres_ServerStopped_ApiAnswers503AndHealthz503_ServerBack_200()
    {
        var connection = await postgres.Server.CreateDatabaseAsync();
        await using var app = ControlPlaneHost.Build(
        [
            "--ControlPlane:GrpcUrl=http://127.0.0.1:0", "--ControlPlane:HttpUrl=http://127.0.0.1:0", "--ControlPlane:Healing:Enabled=false",
            "--ControlPlane:Store:Provider=postgres", $"--ControlPlane:Store:ConnectionString={connection}",
        ]);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = app.Services.GetRequiredService<ControlPlaneEndpoints>().HttpUri };
        try
        {
            var before = await http.GetAsync(new Uri("/v1/mesh/status", UriKind.Relative));

            await postgres.Server.StopAsync();
            var during = await http.GetAsync(new Uri("/v1/mesh/status", UriKind.Relative));
            var health = await http.GetAsync(new Uri("/healthz", UriKind.Relative));

            await postgres.Server.StartAgainAsync();
            await Wait.UntilAsync(
                async () => (await http.GetAsync(new Uri("/v1/mesh/status", UriKind.Relative))).StatusCode == HttpStatusCode.OK,
                "the API answers again after PostgreSQL restarted", TimeSpan.FromSeconds(30));

            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
            Assert.Contains("PostgreSQL 127.0.0.1:", await during.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task Build_PostgresDownAtStart_RetriesWithALogLine_AndOpensOnceItIsUp()
    {
        var connection = await postgres.Server.CreateDatabaseAsync();
        await postgres.Server.StopAsync();
        var lines = new Lines();
        var building = Task.Run(() => ControlPlaneHost.Build(
            [
                "--ControlPlane:GrpcUrl=http://127.0.0.1:0", "--ControlPlane:HttpUrl=http://127.0.0.1:0", "--ControlPlane:Healing:Enabled=false",
                "--ControlPlane:Store:Provider=postgres", $"--ControlPlane:Store:ConnectionString={connection}", "--ControlPlane:Store:StartTimeout=00:01:00",
            ],
            builder => builder.Logging.AddProvider(lines)));

        await Wait.UntilAsync(() => lines.Any("cannot be opened yet"), "start-up says it is waiting for PostgreSQL", TimeSpan.FromSeconds(30));
        await postgres.Server.StartAgainAsync();
        await using var app = await building.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(StoreProvider.Postgres, app.Services.GetRequiredService<MeshStore>().Provider);
        Assert.True(lines.Any("Store opened: PostgreSQL 127.0.0.1:"));
    }

    private static long TryAdd(MeshStore store)
    {
        try
        {
            return store.AddPolicy("orders", "{}", "service: orders", "api", "alice").Version;
        }
        catch (DbException)
        {
            return 0;
        }
    }

    private static long TryLatest(MeshStore store)
    {
        try
        {
            return store.Policy("orders")?.Version ?? -1;
        }
        catch (DbException)
        {
            return 0;
        }
    }

    private sealed class Lines : ILoggerProvider
    {
        private readonly List<string> _lines = [];

        public bool Any(string part)
        {
            lock (_lines)
            {
                return _lines.Any(l => l.Contains(part, StringComparison.Ordinal));
            }
        }

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(Lines owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner._lines)
                {
                    owner._lines.Add(formatter(state, exception));
                }
            }
        }
    }
}
