using Mesh.Heal.Agents;
using Mesh.Heal.ControlPlane.Healing;

namespace Mesh.Heal.ControlPlane.Tests.Healing;

/// <summary>The healing history source over a real store: issues open or mitigated, and the actions of the last six hours
/// with their targets.</summary>
public sealed class HealingHistorySourceTests : IDisposable
{
    private readonly TestStore _test = new();

    public void Dispose() => _test.Dispose();

    [Fact]
    public async Task Build_OpenAndMitigatedIssues_AndTheActionsOfTheLastSixHours()
    {
        var store = _test.Store;
        store.UpsertIssue("cb/c/open", "c", ["c"], "upstream.unhealthy", "critical", "open");
        store.SetIssueState(store.UpsertIssue("cb/c/mitigated", "c", ["c"], "cascade.risk", "warning", "mitigated").Id, IssueState.Mitigated);
        store.SetIssueState(store.UpsertIssue("cb/c/resolved", "c", ["c"], "cascade.risk", "warning", "resolved").Id, IssueState.Resolved);
        store.AddAction(null, "b", "cb", "fallback.activate", "old", "low", true, false, "", "", "old", """{"target":"b/old"}""");
        _test.Time.Advance(HealingHistorySource.Recent);
        store.AddAction(null, "b", "cb", "fallback.activate", "new", "low", true, false, "", "", "new", """{"target":"b/c"}""");
        _test.Time.Advance(TimeSpan.FromSeconds(1));

        var history = (await new HealingHistorySource(store).AddToAsync(new MeshSnapshot(_test.Time.GetUtcNow()), CancellationToken.None))
            .Get(HealingHistorySlice.Key);

        Assert.Equal(["cb/c/mitigated", "cb/c/open"], history.OpenIssues.Order(StringComparer.Ordinal));
        var action = Assert.Single(history.Actions);
        Assert.Equal(("new", "fallback.activate", "b/c", "approved"), (action.Key, action.Kind, action.Target, action.State));
    }
}
