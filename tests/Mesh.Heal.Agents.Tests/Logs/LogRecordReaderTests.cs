using Mesh.Heal.Agents.Logs;

namespace Mesh.Heal.Agents.Tests.Logs;

public sealed class LogRecordReaderTests
{
    [Fact]
    public void ReadAll_SimpleConsole_JoinsTheMessageAndTheTraceToTheirRecord()
    {
        var records = LogRecordReader.ReadAll(Samples.Lines(Samples.DotnetSimpleConsole)).ToList();

        Assert.Equal(2, records.Count);
        Assert.Equal("error", records[0].Level);
        Assert.Equal("Microsoft.AspNetCore.Server.Kestrel", records[0].Category);
        Assert.StartsWith("Connection id", records[0].Message, StringComparison.Ordinal);
        Assert.StartsWith("System.NullReferenceException", records[0].Exception, StringComparison.Ordinal);
        Assert.Contains("OrderEndpoints.cs:line 14", records[0].Exception, StringComparison.Ordinal);
        Assert.Equal("info", records[1].Level);
        Assert.Equal("Served /orders/2", records[1].Message);
        Assert.Null(records[1].Exception);
    }

    [Fact]
    public void ReadAll_JsonFormats_ReadLevelMessageAndException()
    {
        var records = LogRecordReader.ReadAll([Samples.DotnetJson, Samples.SerilogCompact, """{"@t":"2026-12-01T10:00:00Z","@mt":"Started"}"""]).ToList();

        Assert.Equal(3, records.Count);
        Assert.Equal("error", records[0].Level);
        Assert.Contains("---> System.FormatException", records[0].Exception, StringComparison.Ordinal);
        Assert.Equal("error", records[1].Level);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 0, 1, TimeSpan.Zero).AddTicks(1234567), records[1].Time);
        Assert.Equal("Payment {PaymentId} declined", records[1].Message);
        Assert.Equal("info", records[2].Level);
        Assert.False(records[2].IsError);
    }

    [Fact]
    public void ReadAll_JavaPythonGo_EachTraceIsOneRecord()
    {
        var java = LogRecordReader.ReadAll(Samples.Lines(Samples.Java)).ToList();
        var python = LogRecordReader.ReadAll(Samples.Lines(Samples.Python)).ToList();
        var go = LogRecordReader.ReadAll(Samples.Lines(Samples.Go)).ToList();

        Assert.Equal(2, java.Count);
        Assert.Equal("request failed", java[0].Message.Split(" - ")[^1]);
        Assert.Contains("Caused by: java.lang.NullPointerException", java[0].Exception, StringComparison.Ordinal);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 0, 2, 113, TimeSpan.Zero), java[0].Time);
        Assert.Equal(2, python.Count);
        Assert.EndsWith("AttributeError: 'NoneType' object has no attribute 'total'", python[0].Exception, StringComparison.Ordinal);
        Assert.Equal("ok", python[1].Message.Split(": ")[^1]);
        Assert.Equal(2, go.Count);
        Assert.StartsWith("panic: runtime error", go[1].Message, StringComparison.Ordinal);
        Assert.Contains("/src/shop/main.go:23", go[1].Exception, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_BrokenJson_IsCountedAndDropped()
    {
        var reader = new LogRecordReader();
        var records = LogRecordReader.ReadAll(["{\"@mt\": \"cut off", "plain line"], reader).ToList();

        Assert.Single(records);
        Assert.Equal(1, reader.Malformed);
        Assert.Equal("plain line", records[0].Message);
    }
}
