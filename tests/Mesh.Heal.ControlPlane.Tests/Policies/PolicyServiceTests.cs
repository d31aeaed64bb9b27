namespace Mesh.Heal.ControlPlane.Tests.Policies;

/// <summary>Policy submission over the store. Runs once per database: see the two subclasses at the end of the file.</summary>
public abstract class PolicyServiceTests
{
    private protected abstract Task<TestStore> OpenAsync();

    [Fact]
    public async Task Submit_SameRules_MakesNoNewVersion_DifferentRules_Do()
    {
        using var test = await OpenAsync();
        var policies = test.Policies();
        var changed = new List<string>();
        policies.Changed += changed.Add;

        var first = policies.Submit("service: orders\nclusters: { backend: { timeout: 2s } }", null, "api", "alice");
        var same = policies.Submit("{\"service\": \"orders\", \"clusters\": {\"backend\": {\"timeout\": \"00:00:02\"}}}", null, "api", "bob");
        var next = policies.Submit("service: orders\nclusters: { backend: { timeout: 3s } }", null, "api", "alice");

        Assert.True(first.Changed);
        Assert.False(same.Changed);
        Assert.Equal(1, same.Stored!.Version);
        Assert.Equal(2, next.Stored!.Version);
        Assert.Equal(["orders", "orders"], changed);
        Assert.Equal(2, policies.Latest("orders")!.Version);
    }

    [Fact]
    public async Task Submit_Invalid_IsRejectedAudited_AndTheVersionInForceStays()
    {
        using var test = await OpenAsync();
        var policies = test.Policies();
        policies.Submit("service: orders\nclusters: { backend: { timeout: 2s } }", null, "api", "alice");

        var rejected = policies.Submit("service: orders\nclusters: { backend: { retry: { budgetPercent: 150 } } }", null, "api", "alice");

        Assert.Null(rejected.Stored);
        Assert.Equal("Clusters:backend:Retry:BudgetPercent", Assert.Single(rejected.Errors).Field);
        Assert.Equal(1, policies.Latest("orders")!.Version);
        // Why it was rejected is the typed error above; the audit records who submitted it and from where.
        Assert.Contains(test.Store.AuditLog("orders", 10), e => e.Kind == "policy.rejected" && e.Service == "orders" && e.Subject == "api" && e.Actor == "alice");
    }

    [Fact]
    public async Task NewestPolicies_SurviveARestart()
    {
        var test = await OpenAsync();
        test.Policies().Submit("service: orders\nclusters: { backend: { timeout: 2s } }", null, "api", "alice");
        test.Policies().Submit("service: orders\nclusters: { backend: { timeout: 4s } }", null, "api", "alice");

        using var reopened = test.Reopen();
        var latest = reopened.Policies().Latest("orders");

        Assert.Equal(2, latest!.Version);
        Assert.Equal(TimeSpan.FromSeconds(4), latest.Policy.Clusters["backend"].Timeout.ToTimeSpan());
    }
}

/// <summary><see cref="PolicyServiceTests"/> on SQLite.</summary>
public sealed class SqlitePolicyServiceTests : PolicyServiceTests
{
    private protected override Task<TestStore> OpenAsync() => Task.FromResult(new TestStore());
}

/// <summary><see cref="PolicyServiceTests"/> on PostgreSQL, a fresh database per test.</summary>
public sealed class PostgresPolicyServiceTests(PostgresFixture postgres) : PolicyServiceTests, IClassFixture<PostgresFixture>
{
    private protected override Task<TestStore> OpenAsync() => postgres.StoreAsync();
}
