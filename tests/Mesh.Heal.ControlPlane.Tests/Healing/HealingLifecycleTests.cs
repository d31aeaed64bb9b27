using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Healing.Internal;
using Mesh.Heal.ControlPlane.Store;

namespace Mesh.Heal.ControlPlane.Tests.Healing;

/// <summary>The lifecycle rules: when the same healing may be proposed again, and the verdict operators read.</summary>
public class HealingLifecycleTests
{
    private static readonly TimeSpan Cooldown = TimeSpan.FromMinutes(30);

    [Theory]
    [InlineData(ActionState.Proposed)]
    [InlineData(ActionState.Approved)]
    [InlineData(ActionState.Applied)]
    [InlineData(ActionState.Succeeded)]
    public void Blocks_PendingOrInForce_Always(object pending)
    {
        var state = (ActionState)pending;
        Assert.True(HealingLifecycle.Blocks(state, new ActionDetails(), TimeSpan.FromDays(1), Cooldown));
    }

    [Fact]
    public void Blocks_ASucceededOneShot_DoesNot()
    {
        Assert.False(HealingLifecycle.Blocks(ActionState.Succeeded, new ActionDetails { OneShot = true }, TimeSpan.Zero, Cooldown));
    }

    [Theory]
    [InlineData(UndoReason.Worse)]
    [InlineData(UndoReason.Operator)]
    public void Blocks_UndoneForAnythingButItsIssueResolving_ForTheCooldownOnly(object why)
    {
        var details = new ActionDetails { Verdict = Verdict.Undone, UndoReason = (UndoReason)why };

        Assert.True(HealingLifecycle.Blocks(ActionState.RolledBack, details, Cooldown - TimeSpan.FromSeconds(1), Cooldown));
        Assert.False(HealingLifecycle.Blocks(ActionState.RolledBack, details, Cooldown, Cooldown));
    }

    [Fact]
    public void Blocks_UndoneBecauseItsIssueResolved_DoesNot()
    {
        var details = new ActionDetails { Verdict = Verdict.Undone, UndoReason = UndoReason.IssueResolved };

        Assert.False(HealingLifecycle.Blocks(ActionState.RolledBack, details, TimeSpan.Zero, Cooldown));
    }

    [Theory]
    [InlineData(ActionState.Rejected)]
    [InlineData(ActionState.Failed)]
    public void Blocks_RejectedOrFailed_ForTheCooldown(object ended)
    {
        var state = (ActionState)ended;
        Assert.True(HealingLifecycle.Blocks(state, new ActionDetails(), TimeSpan.Zero, Cooldown));
        Assert.False(HealingLifecycle.Blocks(state, new ActionDetails(), Cooldown, Cooldown));
    }

    [Fact]
    public void Transition_Rollback_AcceptsAppliedSucceededAndFailed_NamedAsStored()
    {
        var (from, to) = HealingLifecycle.Transition("rollback");

        Assert.Equal(["applied", "succeeded", "failed"], from.Select(ActionStates.Name));
        Assert.Equal("rolled_back", ActionStates.Name(to));
        Assert.All(Enum.GetValues<ActionState>(), s => Assert.Equal(s, ActionStates.Parse(ActionStates.Name(s))));
    }

    [Theory]
    [InlineData(Verdict.Better, null, "better")]
    [InlineData(Verdict.NoWorse, null, "no worse")]
    [InlineData(Verdict.TooLittleTraffic, null, "too little traffic to judge; kept")]
    [InlineData(Verdict.Undone, UndoReason.Worse, "worse")]
    [InlineData(Verdict.Undone, UndoReason.IssueResolved, HealingLifecycle.ResolvedSentence)]
    public void Describe_KeepsTheWordsTheApiShowed(object verdict, object? why, string words)
    {
        Assert.Equal(words, HealingLifecycle.Describe(new ActionDetails { Verdict = (Verdict)verdict, UndoReason = (UndoReason?)why }));
    }
}
