using Mesh.Heal.ControlPlane.Store.Internal;

namespace Mesh.Heal.ControlPlane.Store;

/// <summary>The store's settings in <c>ControlPlane:Store</c>: which database, where, and this replica's name in it.</summary>
/// <remarks>
/// The SQLite file stays <c>ControlPlane:StorePath</c>. Every setting is checked at start-up and a bad one stops the
/// control plane with exit code 2.
/// </remarks>
public sealed class StoreOptions
{
    /// <summary><c>sqlite</c> (default): one embedded file, one replica; <c>postgres</c>: a PostgreSQL database shared by replicas.</summary>
    public string Provider { get; set; } = StoreConstants.Sqlite;

    /// <summary>The PostgreSQL connection string in Npgsql keyword format (<c>Host=...;Database=...;Username=...;Password=...</c>).</summary>
    /// <remarks>Required when <see cref="Provider"/> is <c>postgres</c>; ignored for SQLite. Without <c>Maximum Pool Size</c>
    /// a replica opens at most 20 connections (Npgsql's default of 100 is the whole of PostgreSQL's default <c>max_connections</c>).</remarks>
    public string? ConnectionString { get; set; }

    /// <summary>This control-plane process's name among the replicas; must be unique per process.</summary>
    /// <remarks>Default <c>&lt;machine&gt;-&lt;pid&gt;-&lt;4 random hex digits&gt;</c>.</remarks>
    public string? ReplicaId { get; set; }

    /// <summary>How long start-up keeps trying to reach PostgreSQL before it gives up (exit code 2). Default 30 s; accepted 0 to 10 min.</summary>
    /// <remarks>A pod that starts before its database waits with a log line per attempt rather than crash-looping at once.</remarks>
    public TimeSpan StartTimeout { get; set; } = StoreConstants.DefaultStartTimeout;

    /// <summary>The provider as the enum, once validated.</summary>
    internal StoreProvider ProviderKind =>
        string.Equals(Provider, StoreConstants.Postgres, StringComparison.OrdinalIgnoreCase) ? StoreProvider.Postgres : StoreProvider.Sqlite;

    /// <summary>The configured replica id, or a new default one.</summary>
    internal string ResolveReplicaId() => string.IsNullOrWhiteSpace(ReplicaId) ? StoreConstants.NewReplicaId() : ReplicaId.Trim();
}
