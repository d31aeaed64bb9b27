using System.Text.Json;
using Mesh.Heal.Cli.Analyze;

namespace Mesh.Heal.Cli.Tests.Analyze;

public class LogsCommandTests
{
    private const string Log = """
        2026-12-01 10:00:01,000 INFO [main] app - user 42 logged in
        2026-12-01 10:00:02,000 INFO [main] app - user 43 logged in
        2026-12-01 10:00:03,000 ERROR [main] app - request failed
        java.lang.NullPointerException: Cannot invoke "Customer.getName()" because "customer" is null
        	at com.shop.OrderService.describe(OrderService.java:42)
        	at com.shop.OrderController.get(OrderController.java:27)

        {"@t":"2026-12-01T10:00:04Z","@mt":"Payment {Id} declined","@l":"Error","@x":"System.TimeoutException: The operation has timed out.\n   at Payments.Gateway.Charge() in /app/Gateway.cs:line 77","Id":1}
        {broken
        """;

    [Fact]
    public async Task Logs_Table_TemplatesAndClassifiedClusters()
    {
        var (code, output, error) = await RunAsync(["analyze", "logs", "-"], Log);

        Assert.Equal(0, code);
        Assert.StartsWith("9 lines, 4 records, 2 errors, 1 malformed, 3 templates", output, StringComparison.Ordinal);
        Assert.Contains("[main] app - user <NUM> logged in", output, StringComparison.Ordinal);
        Assert.Matches(@"\s1\s+null-pointer\s+0\.95\s+java\.lang\.NullPointerException\s+com\.shop\.OrderService\.describe \(OrderService\.java:42\)", output);
        Assert.Matches(@"\s1\s+timeout\s+0\.92\s+System\.TimeoutException", output);
        Assert.Contains("1 malformed line(s) dropped", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_Lines_OneTemplatePerInputLine()
    {
        var (code, output, _) = await RunAsync(["analyze", "logs", "-", "--lines"], Log);

        Assert.Equal(0, code);
        var lines = output.TrimEnd('\n').Split('\n');
        Assert.Equal(9, lines.Length);
        Assert.Equal(lines[0], lines[1]);
        Assert.EndsWith("\t[main] app - user <NUM> logged in", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("\t[main] app - request failed", lines[2], StringComparison.Ordinal);
        // Grouping is judged line by line: a trace's lines are not joined to the record they continue here.
        Assert.DoesNotContain("request failed", lines[3], StringComparison.Ordinal);
        Assert.Equal(lines[4].Split('\t')[0], lines[5].Split('\t')[0]);
        Assert.NotEqual(lines[2].Split('\t')[0], lines[4].Split('\t')[0]);
        Assert.Equal("-1\t", lines[6]);
        Assert.Equal("-1\t", lines[8]);
    }

    [Fact]
    public async Task Logs_LinesOfBareMessages_EachLineItsOwnTemplate()
    {
        const string Bare = """
            Caused by: pool exhausted
            java.io.IOException: broken pipe
             leading space 1 here
            error: disk full on 3
            error: disk full on 4
            """;

        var (code, output, _) = await RunAsync(["analyze", "logs", "-", "--lines"], Bare);

        Assert.Equal(0, code);
        var lines = output.TrimEnd('\n').Split('\n');
        Assert.Equal(5, lines.Length);
        Assert.All(lines, l => Assert.NotEqual("-1", l.Split('\t')[0]));
        Assert.Equal(3, lines[..3].Select(l => l.Split('\t')[0]).Distinct().Count());
        Assert.Equal(lines[3].Split('\t')[0], lines[4].Split('\t')[0]);
    }

    [Fact]
    public async Task Logs_Json_CarriesTheFramesAndTheEvidence()
    {
        var (code, output, _) = await RunAsync(["analyze", "logs", "-", "--json"], Log);

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        var clusters = json.RootElement.GetProperty("clusters").EnumerateArray().ToList();
        var npe = clusters.Single(c => c.GetProperty("cause").GetString() == "null-pointer");
        Assert.Equal("java", npe.GetProperty("language").GetString());
        Assert.Equal(42, npe.GetProperty("frames")[0].GetProperty("line").GetInt32());
        Assert.Contains("exception type java.lang.NullPointerException", npe.GetProperty("evidence")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_JsonAndLines_Refused()
    {
        var (code, _, error) = await RunAsync(["analyze", "logs", "-", "--json", "--lines"], Log);

        Assert.Equal(2, code);
        Assert.Contains("--json and --lines are not accepted together", error, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string[] args, string input)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await AnalyzeCommands.RunAsync(args, new StringReader(input), output, error);
        return (code, output.ToString(), error.ToString());
    }
}
