using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Store.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mesh.Heal.ControlPlane.Tests.Store;

/// <summary><c>ControlPlane:Store</c>: validated at start naming the setting, and the provider it names is the one opened.</summary>
public sealed class StoreOptionsTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public void Defaults_AreSqlite_AndValid()
    {
        var options = new StoreOptions();

        Assert.Empty(StoreOptionsValidator.Check(options).Errors);
        Assert.Equal(StoreProvider.Sqlite, options.ProviderKind);
        Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape(Environment.MachineName)}-{Environment.ProcessId}-[0-9a-f]{{4}}$", options.ResolveReplicaId());
        Assert.NotEqual(options.ResolveReplicaId(), options.ResolveReplicaId());
    }

    [Theory]
    [InlineData("mysql", null, "ControlPlane:Store:Provider", "accepted: sqlite, postgres")]
    [InlineData("postgres", null, "ControlPlane:Store:ConnectionString", "is empty but the provider is postgres")]
    [InlineData("postgres", "Host=db;Bogus Keyword=1", "ControlPlane:Store:ConnectionString", "cannot be read")]
    [InlineData("postgres", "Database=meshheal", "ControlPlane:Store:ConnectionString", "names no Host")]
    public void Validate_BadSetting_NamesItAndWhatIsAccepted(string provider, string? connectionString, string field, string message)
    {
        var error = Assert.Single(StoreOptionsValidator.Check(new StoreOptions { Provider = provider, ConnectionString = connectionString }).Errors);

        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PostgresWithAConnectionString_IsValid_AndTheReplicaIdIsKept() =>
        Assert.Empty(StoreOptionsValidator.Check(new StoreOptions { Provider = "Postgres", ConnectionString = "Host=db;Database=meshheal", ReplicaId = "cp-0" }).Errors);

    [Theory]
    [InlineData("Host=db;Database=meshheal", 20)]
    [InlineData("Host=db;Database=meshheal;Maximum Pool Size=50", 50)]
    [InlineData("Host=db;Database=meshheal;maximum pool size=7", 7)]
    public void Postgres_PoolSize_IsBoundedUnlessTheConnectionStringSetsIt(string connectionString, int expected)
    {
        using var database = new PostgresDatabase(connectionString);

        Assert.Equal(expected, new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString).MaxPoolSize);
    }

    [Theory]
    [InlineData("ControlPlane:Store:Provider", "mysql")]
    [InlineData("ControlPlane:Store:StartTimeout", "01:00:00")]
    public void Build_InvalidStoreSetting_StopsStartUp_NamingIt(string key, string value)
    {
        var ex = Assert.Throws<ControlPlaneConfigurationException>(() => ControlPlaneHost.Build([.. Args(), $"--{key}={value}"]));

        Assert.Contains(ex.Errors, e => e.Field == key);
    }

    [Fact]
    public void Build_PostgresUnreachableUntilTheStartTimeout_StopsStartUp_NamingTheConnectionString()
    {
        var ex = Assert.Throws<ControlPlaneConfigurationException>(() => ControlPlaneHost.Build(
        [
            .. Args(), "--ControlPlane:Store:Provider=postgres", "--ControlPlane:Store:StartTimeout=00:00:00",
            $"--ControlPlane:Store:ConnectionString=Host=127.0.0.1;Port={ClosedPort()};Username=postgres;Database=meshheal;Timeout=2",
        ]));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("ControlPlane:Store:ConnectionString", error.Field);
        Assert.Contains("could not be opened", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_Postgres_OpensTheDatabase_AndTheHealthCheckNamesIt()
    {
        var connection = await postgres.Server.CreateDatabaseAsync();
        await using var app = ControlPlaneHost.Build(
            [.. Args(), "--ControlPlane:Store:Provider=postgres", $"--ControlPlane:Store:ConnectionString={connection}", "--ControlPlane:Store:ReplicaId=cp-test"]);

        var store = app.Services.GetRequiredService<MeshStore>();
        var health = await new StoreHealthCheck(store).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(StoreProvider.Postgres, store.Provider);
        Assert.Equal("cp-test", store.ReplicaId);
        Assert.Equal(HealthStatus.Healthy, health.Status);
        Assert.StartsWith($"PostgreSQL 127.0.0.1:{postgres.Server.Port}/", health.Description, StringComparison.Ordinal);
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string[] Args() =>
    [
        "--ControlPlane:GrpcUrl=http://127.0.0.1:0", "--ControlPlane:HttpUrl=http://127.0.0.1:0",
        $"--ControlPlane:StorePath={Path.Combine(Directory.CreateTempSubdirectory("meshheal-options-").FullName, "cp.db")}",
        "--ControlPlane:Healing:Enabled=false",
    ];
}
