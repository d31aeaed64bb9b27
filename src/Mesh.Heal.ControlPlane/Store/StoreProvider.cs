namespace Mesh.Heal.ControlPlane.Store;

/// <summary>The database behind <see cref="MeshStore"/>, chosen by <c>ControlPlane:Store:Provider</c>.</summary>
public enum StoreProvider
{
    /// <summary>One SQLite file (<c>ControlPlane:StorePath</c>): embedded, nothing to install, one replica.</summary>
    Sqlite,

    /// <summary>A PostgreSQL database (<c>ControlPlane:Store:ConnectionString</c>), shared by several replicas.</summary>
    Postgres,
}
