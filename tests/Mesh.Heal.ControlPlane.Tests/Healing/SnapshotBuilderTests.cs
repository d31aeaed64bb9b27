using Mesh.Heal.Agents;
using Mesh.Heal.ControlPlane.Healing;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Heal.ControlPlane.Tests.Healing;

/// <summary>The snapshot builder as a composer of sources: every source names its services, only the slices asked for are
/// built, each after the slices its source needs.</summary>
public class SnapshotBuilderTests
{
    private static readonly SnapshotSliceKey<Part> A = new("a");
    private static readonly SnapshotSliceKey<Part> B = new("b");
    private static readonly SnapshotSliceKey<Part> C = new("c");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly List<string> _built = [];

    [Fact]
    public async Task Build_OnlyTheSlicesAskedFor_AreBuilt()
    {
        var builder = new SnapshotBuilder([Source(A), Source(B)], _time);

        var snapshot = await builder.BuildAsync([A], CancellationToken.None);

        Assert.Equal(["a"], _built);
        Assert.Equal("a", snapshot.Get(A).Name);
        Assert.False(snapshot.TryGet(B, out _));
        Assert.Equal(_time.GetUtcNow(), snapshot.Time);
    }

    [Fact]
    public async Task Build_ASliceASourceNeeds_IsBuiltFirst_AndOnce()
    {
        var builder = new SnapshotBuilder([Source(C, needs: [A]), Source(B), Source(A)], _time);

        var snapshot = await builder.BuildAsync([C, A], CancellationToken.None);

        Assert.Equal(["a", "c saw a"], _built);
        Assert.Equal("c", snapshot.Get(C).Name);
    }

    [Fact]
    public async Task Build_TheServicesOfEverySource_WhicheverSlicesAreAskedFor()
    {
        var builder = new SnapshotBuilder([Source(A, services: ["orders", "cart"]), Source(B, services: ["cart", "payments"])], _time);

        var snapshot = await builder.BuildAsync([], CancellationToken.None);

        Assert.Equal(["cart", "orders", "payments"], snapshot.Services);
        Assert.Empty(_built);
    }

    [Fact]
    public async Task Build_ASliceNoSourceBuilds_IsLeftOut()
    {
        var builder = new SnapshotBuilder([Source(A)], _time);

        var snapshot = await builder.BuildAsync([A, B], CancellationToken.None);

        Assert.Equal(["a"], snapshot.Slices);
    }

    [Fact]
    public void Create_TwoSourcesOfOneSlice_IsRefusedNamingIt()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new SnapshotBuilder([Source(A), Source(A)], _time));

        Assert.Contains("a (Part) has 2 sources", error.Message, StringComparison.Ordinal);
    }

    private FakeSource Source(SnapshotSliceKey<Part> key, IReadOnlyList<SnapshotSliceKey>? needs = null, string[]? services = null) =>
        new(key, needs ?? [], services ?? [], _built);

    private sealed record Part(string Name);

    private sealed class FakeSource(SnapshotSliceKey<Part> key, IReadOnlyList<SnapshotSliceKey> needs, string[] services, List<string> built) : ISnapshotSource
    {
        public SnapshotSliceKey Slice => key;

        public IReadOnlyList<SnapshotSliceKey> Needs => needs;

        public void AddServices(DateTimeOffset now, ISet<string> known) => known.UnionWith(services);

        public ValueTask<MeshSnapshot> AddToAsync(MeshSnapshot snapshot, CancellationToken cancellationToken)
        {
            var saw = needs.OfType<SnapshotSliceKey<Part>>().Select(n => snapshot.Get(n).Name).ToList();
            built.Add(saw.Count == 0 ? key.Name : $"{key.Name} saw {string.Join(", ", saw)}");
            return ValueTask.FromResult(snapshot.With(key, new Part(key.Name)));
        }
    }
}
