using Mesh.Heal.ControlPlane.Capacity;
using Mesh.Heal.ControlPlane.Git;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Healing.Internal;
using Mesh.Heal.Healing;

namespace Mesh.Heal.ControlPlane.Tests.Healing.Internal;

/// <summary>The stored form of an action: the typed command and the actuator's undo survive the JSON in the store.</summary>
public class ActionDetailsTests
{
    public static TheoryData<ActuatorCommand> Commands => new()
    {
        new PolicyPatch(new EdgeId("b", "c"), [new PolicyChange("clusters:c:override", "forceFallback") { Previous = "none" }, new PolicyChange("clusters:c:timeout", null)]),
        new HpaChange("b", [new HpaFieldChange(HpaField.MaxReplicas, 9) { Previous = 6 }]),
        new Cleanup("b", "b-1", "memory", "webhook"),
        new PatchReview("orders", "abc", "meshheal/fix", "main", "1234", "src/P.cs", "--- a\n+++ b\n", "title", "body", "bug-fixer/orders/bug.x/abc") { IssueId = "iss-1" },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void ToJson_Parse_KeepsTheCommandAndItsType(ActuatorCommand command)
    {
        var details = new ActionDetails { Command = command, Signal = [new EdgeId("a", "b")] };

        var parsed = ActionDetails.Parse(details.ToJson());

        Assert.Equal(command.GetType(), parsed.Command!.GetType());
        Assert.Equal(command.Target, parsed.Target);
        Assert.Equal(command.Changed, parsed.Command.Changed);
        Assert.Equal(command.DescribeUndo(), parsed.Command.DescribeUndo());
        Assert.Equal([new EdgeId("a", "b")], parsed.Signal);
    }

    [Fact]
    public void ToJson_Parse_KeepsTheActuatorsUndo()
    {
        var details = new ActionDetails { Undo = new HpaUndo(new Dictionary<HpaField, double?> { [HpaField.MaxReplicas] = 6, [HpaField.MinReplicas] = null }) };

        var undo = Assert.IsType<HpaUndo>(ActionDetails.Parse(details.ToJson()).Undo);

        Assert.Equal(6, undo.Previous[HpaField.MaxReplicas]);
        Assert.Null(undo.Previous[HpaField.MinReplicas]);
    }

    [Fact]
    public void Parse_APolicyRowStoredBeforeTypedCommands_ReadsAsItsCommandAndUndo()
    {
        const string Old = """{"actuator":"policy","target":"b/c","changes":{"clusters:c:override":"forceFallback"},"signal":["b/c","a/b"],"temporary":true,"previous":{"clusters:c:override":null},"verdict":"better"}""";

        var parsed = ActionDetails.Parse(Old);

        var patch = Assert.IsType<PolicyPatch>(parsed.Command);
        Assert.Equal(new EdgeId("b", "c"), patch.Edge);
        Assert.Equal(("clusters:c:override", "forceFallback"), (Assert.Single(patch.Changes).Path, patch.Changes[0].Value));
        var undo = Assert.IsType<PolicyUndo>(parsed.Undo);
        Assert.Null(Assert.Single(undo.Previous).Value);
        Assert.True(parsed.Temporary);
        Assert.Equal([new EdgeId("b", "c"), new EdgeId("a", "b")], parsed.Signal);
        Assert.Equal("better", parsed.VerdictText);
        Assert.DoesNotContain("\"actuator\"", parsed.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OtherRowsStoredBeforeTypedCommands_ReadAsTheirCommands()
    {
        var hpa = ActionDetails.Parse("""{"actuator":"hpa","target":"b","changes":{"maxReplicas":"9"},"previous":{"maxReplicas":"6","scaleDownStabilization":null}}""");
        var cleanup = ActionDetails.Parse("""{"actuator":"cleanup","target":"b/b-1","changes":{"instance":"b-1","resource":"memory","method":"webhook"},"previous":{}}""");
        var review = ActionDetails.Parse("""{"actuator":"git","target":"orders/abc","changes":{"branch":"fix","patch":"p","path":"a.cs","title":"t","issueId":"iss-1"},"previous":{"branch":"fix","commit":"c0ffee","pullRequest":"7"}}""");

        Assert.Equal(new HpaFieldChange(HpaField.MaxReplicas, 9), Assert.Single(Assert.IsType<HpaChange>(hpa.Command).Changes));
        Assert.Equal(6, Assert.IsType<HpaUndo>(hpa.Undo).Previous[HpaField.MaxReplicas]);
        Assert.Equal(new Cleanup("b", "b-1", "memory", "webhook"), cleanup.Command);
        Assert.Equal(("fix", "iss-1"), (Assert.IsType<PatchReview>(review.Command).Branch, ((PatchReview)review.Command!).IssueId));
        Assert.Equal(("c0ffee", 7), (Assert.IsType<ReviewUndo>(review.Undo).Commit, ((ReviewUndo)review.Undo!).PullRequest));
    }
}
