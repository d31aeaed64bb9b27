using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mesh.Heal.ControlPlane.Store;

/// <summary>Healthy while the store can be read and locked for writing; behind <c>/healthz</c> and the gRPC health service.</summary>
internal sealed class StoreHealthCheck(MeshStore store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            store.Check();
            return Task.FromResult(HealthCheckResult.Healthy($"{store.FilePath}, schema version {store.SchemaVersion}"));
        }
        catch (Exception ex) when (ex is SqliteException or InvalidOperationException or ObjectDisposedException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"the store {store.FilePath} cannot be used: {ex.Message}", ex));
        }
    }
}
