using Mesh.Heal.ControlPlane.Capacity;
using Mesh.Heal.ControlPlane.Git;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Logs;
using Mesh.Heal.ControlPlane.Policies;
using Mesh.Heal.ControlPlane.Resources;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Store.Internal;
using Mesh.Heal.ControlPlane.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Heal.ControlPlane.Tests;

/// <summary>A real store on a fake clock: SQLite in a temporary directory, or a PostgreSQL database (see <see cref="PostgresFixture"/>).</summary>
internal sealed class TestStore : IDisposable
{
    public TestStore(FakeTimeProvider? time = null, string? directory = null)
    {
        Time = time ?? NewTime();
        Directory = directory ?? System.IO.Directory.CreateTempSubdirectory("meshheal-store-").FullName;
        Store = new MeshStore(Path.Combine(Directory, "cp.db"), Time);
    }

    private TestStore(string connectionString, FakeTimeProvider? time, string? replicaId)
    {
        Time = time ?? NewTime();
        Directory = "";
        ConnectionString = connectionString;
        Store = new MeshStore(new PostgresDatabase(connectionString), Time, replicaId ?? StoreConstants.NewReplicaId());
    }

    public FakeTimeProvider Time { get; }

    /// <summary>The SQLite file's directory; empty with PostgreSQL.</summary>
    public string Directory { get; }

    /// <summary>The PostgreSQL database; null with SQLite.</summary>
    public string? ConnectionString { get; }

    public StoreProvider Provider => Store.Provider;

    /// <summary>A store on the PostgreSQL database at <paramref name="connectionString"/>, as replica <paramref name="replicaId"/>.</summary>
    public static TestStore Postgres(string connectionString, FakeTimeProvider? time = null, string? replicaId = null) => new(connectionString, time, replicaId);

    /// <summary>Another replica's store on the same database (PostgreSQL only), on the same clock.</summary>
    public TestStore Replica(string? replicaId = null) =>
        ConnectionString is { } connection ? new TestStore(connection, Time, replicaId) : throw new InvalidOperationException("SQLite has one replica");

    public MeshStore Store { get; }

    public static ControlPlaneMetrics Metrics() => new(new TestMeterFactory());

    public PolicyService Policies(LimitOptions? limits = null) =>
        new(Store, Metrics(), Options.Create(limits ?? new LimitOptions()), NullLogger<PolicyService>.Instance);

    /// <summary>The coordinator's snapshot builder over this store, with every feature's source, its anomaly monitor and
    /// resource collector.</summary>
    public (SnapshotBuilder Builder, AnomalyMonitor Anomalies, ResourceCollector Resources) Snapshots(
        TelemetryAggregator telemetry, TestOptions options, HttpClient? http = null, HpaReader? hpas = null, LogCollector? logs = null)
    {
        var anomalies = new AnomalyMonitor(telemetry);
        var resources = new ResourceCollector(
            Store, new PrometheusClient(http ?? new HttpClient()), Options.Create(options.Resources), Metrics(), Time, NullLogger<ResourceCollector>.Instance);
        hpas ??= new HpaReader(new Mesh.Heal.ControlPlane.Kubernetes.KubernetesApi(Options.Create(options.Kubernetes)), Options.Create(options.Capacity));
        var capacity = new CapacityCollector(hpas, new PrometheusClient(http ?? new HttpClient()), Options.Create(options.Capacity), Options.Create(options.Resources),
            Metrics(), Time, NullLogger<CapacityCollector>.Instance);
        logs ??= new LogCollector(Options.Create(options.Logs), Metrics(), Time);
        var repositories = new RepositoryIndex(Options.Create(options.Logs), Options.Create(options.Host), Time, NullLogger<RepositoryIndex>.Instance);
        var healing = Options.Create(options.Healing);
        ISnapshotSource[] sources =
        [
            new EdgesSource(Store, telemetry, healing),
            new AnomaliesSource(anomalies, healing),
            new ResourcesSource(resources, Options.Create(options.Resources)),
            new LoadsSource(Store, capacity, hpas, Options.Create(options.Capacity)),
            new LogsSource(logs, Options.Create(options.Logs)),
            new SourcesSource(repositories),
            new HealingHistorySource(Store),
        ];
        return (new SnapshotBuilder(sources, Time), anomalies, resources);
    }

    /// <summary>Closes the store and opens the same database again as the same replica, as a restart does.</summary>
    public TestStore Reopen()
    {
        Store.Dispose();
        return ConnectionString is { } connection ? new TestStore(connection, Time, Store.ReplicaId) : new TestStore(Time, Directory);
    }

    private static FakeTimeProvider NewTime() => new(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => Store.Dispose();

    private sealed class TestMeterFactory : System.Diagnostics.Metrics.IMeterFactory
    {
        public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }
}
