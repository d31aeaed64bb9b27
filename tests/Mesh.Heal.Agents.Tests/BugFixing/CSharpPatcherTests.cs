using Mesh.Heal.Agents.BugFixing;
using Mesh.Heal.Healing;

namespace Mesh.Heal.Agents.Tests.BugFixing;

public sealed class CSharpPatcherTests
{
    private const string MinimalApi = """
        var app = WebApplication.Create(args);
        var store = new OrderStore();
        app.MapGet("/orders/{id}", (string id) =>
        {
            var order = store.Find(id);
            return Results.Ok(new { id, total = order.Total });
        });
        app.MapGet("/customers/{id}", (string id) =>
        {
            return Results.Ok(store.Find(id).Customer.Name.ToUpperInvariant());
        });
        app.MapGet("/quantity", (string q) =>
        {
            var n = int.Parse(q);
            return Results.Ok(n * 2);
        });
        app.Run();
        """;

    [Fact]
    public void NullGuard_LocalInAMinimalApiHandler_GuardsItAndAnswers404()
    {
        var patch = CSharpPatcher.NullGuard("Program.cs", MinimalApi, line: 6);

        Assert.NotNull(patch);
        Assert.Contains("""
                var order = store.Find(id);
                if (order is null)
                {
                    return Results.NotFound();
                }
                return Results.Ok(new { id, total = order.Total });
            """, patch.After, StringComparison.Ordinal);
        Assert.Equal(ActionRisk.Medium, patch.Risk);
        Assert.Contains("the MapGet /orders/{id} handler", patch.Description, StringComparison.Ordinal);
        Assert.Contains("+    if (order is null)", patch.Diff, StringComparison.Ordinal);
    }

    [Fact]
    public void NullGuard_ACallResultInAChain_IsCapturedOnceAndTheChainGuarded()
    {
        var patch = CSharpPatcher.NullGuard("Program.cs", MinimalApi, line: 10);

        Assert.NotNull(patch);
        Assert.Contains("if (store.Find(id) is not { } found || found.Customer?.Name is null)", patch.After, StringComparison.Ordinal);
        Assert.Contains("return Results.Ok(found.Customer.Name.ToUpperInvariant());", patch.After, StringComparison.Ordinal);
    }

    [Fact]
    public void NullGuard_AMemberChainInAVoidMethod_ReturnsEarly()
    {
        const string source = """
            public sealed class Mailer
            {
                public void Send(Order order)
                {
                    Notify(order.Customer.Email.Trim());
                }
            }
            """;

        var patch = CSharpPatcher.NullGuard("Mailer.cs", source, line: 5);

        Assert.NotNull(patch);
        Assert.Contains("if (order?.Customer?.Email is null)", patch.After, StringComparison.Ordinal);
        Assert.Contains("            return;", patch.After, StringComparison.Ordinal);
    }

    [Fact]
    public void NullGuard_NoSafeWayOut_NoPatch()
    {
        const string source = """
            public sealed class Prices
            {
                public decimal Total(Order order)
                {
                    return order.Lines.Sum(l => l.Price);
                }
            }
            """;

        Assert.Null(CSharpPatcher.NullGuard("Prices.cs", source, line: 5));
    }

    [Fact]
    public void InputGuard_AParseOfARequestValue_BecomesTryParseAnswering400()
    {
        var patch = CSharpPatcher.InputGuard("Program.cs", MinimalApi, line: 14);

        Assert.NotNull(patch);
        Assert.Contains("if (!int.TryParse(q, out var parsedQ))", patch.After, StringComparison.Ordinal);
        Assert.Contains("return Results.BadRequest(\"invalid input\");", patch.After, StringComparison.Ordinal);
        Assert.Contains("var n = parsedQ;", patch.After, StringComparison.Ordinal);
    }

    [Fact]
    public void InputGuard_ControllerAction_AnswersBadRequest()
    {
        const string source = """
            public sealed class OrdersController : ControllerBase
            {
                public IActionResult Get(string id)
                {
                    var key = Guid.Parse(id);
                    return Ok(key);
                }
            }
            """;

        var patch = CSharpPatcher.InputGuard("OrdersController.cs", source, line: 5);

        Assert.NotNull(patch);
        Assert.Contains("if (!Guid.TryParse(id, out var parsedId))", patch.After, StringComparison.Ordinal);
        Assert.Contains("return BadRequest(\"invalid input\");", patch.After, StringComparison.Ordinal);
    }
}
