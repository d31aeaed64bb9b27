using Mesh.Heal.Agents.Logs;

namespace Mesh.Heal.Agents.Tests.Logs;

public sealed class StackTraceParserTests
{
    private static ParsedException Parse(string text) =>
        StackTraceParser.Parse(LogRecordReader.ReadAll(Samples.Lines(text)).First(r => r.Exception is not null).Exception) ?? throw new InvalidOperationException("no exception");

    [Fact]
    public void Parse_Dotnet_TypeMessageAndFramesWithFileAndLine()
    {
        var parsed = Parse(Samples.DotnetSimpleConsole);

        Assert.Equal("dotnet", parsed.Language);
        Assert.Equal("System.NullReferenceException", parsed.Type);
        Assert.Equal("Object reference not set to an instance of an object.", parsed.Message);
        Assert.Equal(3, parsed.Frames.Count);
        Assert.Equal("/src/Orders.Api/OrderEndpoints.cs", parsed.Frames[0].File);
        Assert.Equal(14, parsed.Frames[0].Line);
        Assert.False(parsed.Frames[0].IsFramework);
        Assert.True(parsed.Frames[2].IsFramework);
    }

    [Fact]
    public void Parse_DotnetInnerException_TheRootIsTheInnermost()
    {
        var parsed = StackTraceParser.Parse(LogRecordReader.ReadAll([Samples.DotnetJson]).Single().Exception)!;

        Assert.Equal("System.FormatException", parsed.Type);
        Assert.Equal(["System.InvalidOperationException", "System.FormatException"], parsed.Chain);
        Assert.Equal("/src/Orders.Api/Quantities.cs", parsed.Frames.First(f => !f.IsFramework).File);
    }

    [Fact]
    public void Parse_Java_TheRootIsTheLastCause()
    {
        var parsed = Parse(Samples.Java);

        Assert.Equal("java", parsed.Language);
        Assert.Equal("java.lang.NullPointerException", parsed.Type);
        Assert.Contains("because \"customer\" is null", parsed.Message, StringComparison.Ordinal);
        Assert.Equal(new StackFrame("com.shop.orders.OrderService.describe", "OrderService.java", 42), parsed.Frames[0]);
        Assert.Equal(["org.springframework.web.util.NestedServletException", "java.lang.NullPointerException"], parsed.Chain);
    }

    [Fact]
    public void Parse_Python_FramesInnermostFirst()
    {
        var parsed = Parse(Samples.Python);

        Assert.Equal("python", parsed.Language);
        Assert.Equal("AttributeError", parsed.Type);
        Assert.Equal(new StackFrame("get_order", "/srv/shop/orders.py", 31), parsed.Frames[0]);
        Assert.True(parsed.Frames[1].IsFramework);
    }

    [Fact]
    public void Parse_GoPanic_RuntimeErrorWithTheServicesFrames()
    {
        var parsed = Parse(Samples.Go);

        Assert.Equal("go", parsed.Language);
        Assert.Equal("runtime error", parsed.Type);
        Assert.Equal("invalid memory address or nil pointer dereference", parsed.Message);
        Assert.Equal(new StackFrame("main.(*store).total", "/src/shop/store.go", 58), parsed.Frames[0]);
        Assert.Equal(new StackFrame("main.orderHandler", "/src/shop/main.go", 23), parsed.Frames[1]);
        Assert.True(parsed.Frames[2].IsFramework);
    }
}
