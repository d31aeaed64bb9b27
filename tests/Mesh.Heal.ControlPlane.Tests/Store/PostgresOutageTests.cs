using System.Data.Common;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.Testing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

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
}
