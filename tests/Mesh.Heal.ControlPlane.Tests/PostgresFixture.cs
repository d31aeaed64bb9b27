using Mesh.Heal.Testing.Postgres;

namespace Mesh.Heal.ControlPlane.Tests;

/// <summary>One private PostgreSQL server per test class (an xunit class fixture); each test takes a fresh database.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    /// <summary>The running server.</summary>
    public PostgresServer Server => _server ?? throw new InvalidOperationException("the server has not started");

    /// <summary>A store on a new empty database.</summary>
    internal async Task<TestStore> StoreAsync(Microsoft.Extensions.Time.Testing.FakeTimeProvider? time = null, string? replicaId = null) =>
        TestStore.Postgres(await Server.CreateDatabaseAsync(), time, replicaId);

    public async Task InitializeAsync() => _server = await PostgresServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
