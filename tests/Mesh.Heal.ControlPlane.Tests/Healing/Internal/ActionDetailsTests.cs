using Mesh.Heal.ControlPlane.Capacity;
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
    public void Parse_ARowStoredBeforeTypedCommands_ReadsWithoutACommand()
    {
        const string Old = """{"actuator":"policy","target":"b/c","changes":{"clusters:c:override":"forceFallback"},"signal":["b/c","a/b"],"temporary":true,"previous":{"clusters:c:override":null},"verdict":"better"}""";

        var parsed = ActionDetails.Parse(Old);

        Assert.Null(parsed.Command);
        Assert.True(parsed.Temporary);
        Assert.Equal([new EdgeId("b", "c"), new EdgeId("a", "b")], parsed.Signal);
    }
}
