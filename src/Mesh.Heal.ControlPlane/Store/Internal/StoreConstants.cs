using System.Globalization;
using System.Security.Cryptography;

namespace Mesh.Heal.ControlPlane.Store.Internal;

/// <summary>The defaults of <see cref="StoreOptions"/>.</summary>
internal static class StoreConstants
{
    public const string Section = "ControlPlane:Store";
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";
    public static readonly TimeSpan DefaultStartTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxStartTimeout = TimeSpan.FromMinutes(10);

    /// <summary>A replica id unique per process: <c>&lt;machine&gt;-&lt;pid&gt;-&lt;4 random hex digits&gt;</c>.</summary>
    public static string NewReplicaId() =>
        string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}-{Environment.ProcessId}-{RandomNumberGenerator.GetHexString(4, lowercase: true)}");
}
