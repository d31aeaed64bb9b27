using System.Data.Common;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mesh.Heal.ControlPlane.Store;

/// <summary>Healthy while the store can be read and written; behind <c>/healthz</c> and the gRPC health service.</summary>
/// <remarks>The description names the database (SQLite file, or PostgreSQL host, port and database) and, when unhealthy, why.</remarks>
internal sealed class StoreHealthCheck(MeshStore store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            store.Check();
            return Task.FromResult(HealthCheckResult.Healthy($"{store.Description}, schema version {store.SchemaVersion}"));
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or ObjectDisposedException or TimeoutException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"the store ({store.Description}) cannot be used: {ex.Message}", ex));
        }
    }
}
