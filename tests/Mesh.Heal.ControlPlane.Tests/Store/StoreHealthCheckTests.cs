using Mesh.Heal.ControlPlane.Store;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mesh.Heal.ControlPlane.Tests.Store;

/// <summary>The store's health check. Runs once per database: see the two subclasses at the end of the file.</summary>
public abstract class StoreHealthCheckTests
{
    private protected abstract Task<TestStore> OpenAsync();

    [Fact]
    public async Task Check_OpenStore_IsHealthy_AndAClosedOne_IsUnhealthyNamingTheFile()
    {
        var test = await OpenAsync();
        var check = new StoreHealthCheck(test.Store);

        var healthy = await check.CheckHealthAsync(new HealthCheckContext());
        test.Store.Dispose();
        var unhealthy = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Equal(HealthStatus.Unhealthy, unhealthy.Status);
        Assert.Contains(test.Store.Description, unhealthy.Description, StringComparison.Ordinal);
        Assert.Contains(test.Provider == StoreProvider.Sqlite ? test.Store.FilePath : "PostgreSQL 127.0.0.1:", unhealthy.Description, StringComparison.Ordinal);
    }
}

/// <summary><see cref="StoreHealthCheckTests"/> on SQLite.</summary>
public sealed class SqliteStoreHealthCheckTests : StoreHealthCheckTests
{
    private protected override Task<TestStore> OpenAsync() => Task.FromResult(new TestStore());
}

/// <summary><see cref="StoreHealthCheckTests"/> on PostgreSQL, a fresh database per test.</summary>
public sealed class PostgresStoreHealthCheckTests(PostgresFixture postgres) : StoreHealthCheckTests, IClassFixture<PostgresFixture>
{
    private protected override Task<TestStore> OpenAsync() => postgres.StoreAsync();
}
