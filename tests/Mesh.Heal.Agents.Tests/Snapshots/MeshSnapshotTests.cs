namespace Mesh.Heal.Agents.Tests.Snapshots;

/// <summary>The snapshot's typed slices: read by key, missing ones named, added without changing the original.</summary>
public class MeshSnapshotTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Get_SliceAdded_ReturnsIt()
    {
        var edges = new EdgesSlice { LiveWindow = TimeSpan.FromSeconds(3) };

        var snapshot = new MeshSnapshot(Now).With(EdgesSlice.Key, edges);

        Assert.Same(edges, snapshot.Get(EdgesSlice.Key));
        Assert.True(snapshot.TryGet(EdgesSlice.Key, out var found));
        Assert.Same(edges, found);
        Assert.Equal(["edges"], snapshot.Slices);
    }

    [Fact]
    public void Get_SliceMissing_ThrowsNamingTheSliceAndItsType()
    {
        var snapshot = new MeshSnapshot(Now).With(EdgesSlice.Key, new EdgesSlice());

        var error = Assert.Throws<MissingSliceException>(() => snapshot.Get(HealingHistorySlice.Key));

        Assert.Same(HealingHistorySlice.Key, error.Key);
        Assert.Contains("'healing-history' slice (HealingHistorySlice)", error.Message, StringComparison.Ordinal);
        Assert.False(snapshot.TryGet(HealingHistorySlice.Key, out _));
    }

    [Fact]
    public void With_LeavesTheOriginalAsItWas_AndReplacesASliceOfTheSameName()
    {
        var empty = new MeshSnapshot(Now) { Services = ["b"] };
        var first = empty.With(HealingHistorySlice.Key, new HealingHistorySlice());
        var second = first.With(HealingHistorySlice.Key, new HealingHistorySlice { OpenIssues = new HashSet<string> { "x" } });

        Assert.Empty(empty.Slices);
        Assert.Empty(first.Get(HealingHistorySlice.Key).OpenIssues);
        Assert.Equal(["x"], second.Get(HealingHistorySlice.Key).OpenIssues);
        Assert.Equal(["b"], second.Services);
    }

    [Fact]
    public void TryGet_KeyOfTheSameNameAndAnotherType_IsNotFound()
    {
        var snapshot = new MeshSnapshot(Now).With(EdgesSlice.Key, new EdgesSlice());

        Assert.False(snapshot.TryGet(new SnapshotSliceKey<HealingHistorySlice>("edges"), out _));
    }
}
