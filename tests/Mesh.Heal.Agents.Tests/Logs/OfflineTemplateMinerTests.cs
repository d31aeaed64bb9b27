using Mesh.Heal.Agents.Logs;
using Mesh.Heal.Agents.Logs.Internal;

namespace Mesh.Heal.Agents.Tests.Logs;

public sealed class OfflineTemplateMinerTests
{
    [Fact]
    public void Mine_BlankOrNullMessage_NoTemplate()
    {
        var mined = OfflineTemplateMiner.Mine(["worker 1 started", "  ", null, "worker 2 started"]);

        Assert.Equal([1, -1, -1, 1], mined.Ids);
        Assert.Equal(["worker <NUM> started"], mined.Templates);
    }

    [Fact]
    public void Mine_IdsInOrderOfFirstAppearance_FromOne()
    {
        var mined = OfflineTemplateMiner.Mine(["disk full on sda", "worker 1 started", "disk full on sda", "worker 2 started"]);

        Assert.Equal([1, 2, 1, 2], mined.Ids);
        Assert.Equal("disk full on sda", mined.Templates[0]);
    }

    [Fact]
    public void Mine_SameConstantsVariableFieldLength_OneTemplate()
    {
        // A list of variable length (stack addresses) makes token counts differ; the constant tokens are the same.
        var mined = OfflineTemplateMiner.Mine([
            "WcpInitialize called (stack @0x7fed806eb5d @0x7fef9fb9b6d)",
            "WcpInitialize called (stack @0x7fed806eb5d @0x7fef9fb9b6d @0x7fef9fb9b6e @0x7fef9fb9b6f)",
            "WcpInitialize called (stack @0x7fed806eb5d)",
        ]);

        Assert.Single(mined.Ids.Distinct());
    }

    [Fact]
    public void Mine_OptionalSizeInParentheses_OneTemplate()
    {
        var mined = OfflineTemplateMiner.Mine([
            "app.exe - host.example.com:443 close, 1190 bytes (1.16 KB) sent, 200 bytes received, lifetime 00:02",
            "app.exe - host.example.com:443 close, 119 bytes sent, 2000 bytes (1.95 KB) received, lifetime 00:07",
            "app.exe - host.example.com:443 close, 119 bytes sent, 200 bytes received, lifetime <1 sec",
        ]);

        Assert.Single(mined.Ids.Distinct());
    }

    [Fact]
    public void Mine_DifferentConstantsSameLength_TwoTemplates()
    {
        var mined = OfflineTemplateMiner.Mine(["disk sda1 mounted at boot", "disk sdb1 unmounted at halt", "disk sdc1 mounted at boot", "disk sdd1 unmounted at halt"]);

        Assert.Equal([1, 2, 1, 2], mined.Ids);
    }

    [Fact]
    public void Mine_FirstWordTakesManyValues_OneTemplate()
    {
        // The online tree routes by the first token, so each user opens a cluster; across them that word is a variable.
        string[] users = ["alice", "bob", "carol", "dave", "erin", "frank"];
        var mined = OfflineTemplateMiner.Mine([.. users.Select(u => $"{u} opened the door of room {u.Length}")]);

        Assert.Single(mined.Ids.Distinct());
        Assert.Equal("<*> opened the door of room <NUM>", mined.Templates[0]);
    }

    [Fact]
    public void Mine_FirstWordTakesTwoValues_TwoTemplates()
    {
        string[] services = ["cron", "sshd", "nginx", "redis"];
        var mined = OfflineTemplateMiner.Mine([.. services.SelectMany(s => new[] { $"Starting service {s} now", $"Stopping service {s} now" })]);

        Assert.Equal([1, 2, 1, 2, 1, 2, 1, 2], mined.Ids);
    }

    [Fact]
    public void Mine_ShortMessagesOneWordApart_Split()
    {
        // Drain's similarity of 0.5 joins them online; few words alternating in a position of an otherwise equal template are
        // constants of different events.
        var mined = OfflineTemplateMiner.Mine(["Unknown location", "Unknown command", "Unknown location", "Unknown command"]);

        Assert.Equal([1, 2, 1, 2], mined.Ids);
    }

    [Fact]
    public void Mine_LongLinesOneWordApart_OneTemplate()
    {
        // As Drain's similarity has it: one word against another in a long line is a parameter.
        var mined = OfflineTemplateMiner.Mine([
            "CPU3: Core temperature above threshold, cpu clock throttled (total events = 7)",
            "CPU9: Package temperature above threshold, cpu clock throttled (total events = 12)",
            "CPU1: Core temperature above threshold, cpu clock throttled (total events = 9)",
        ]);

        Assert.Single(mined.Ids.Distinct());
    }

    [Fact]
    public void Mine_HttpMethodsOfOneRequestShape_SplitByMethod()
    {
        var mined = OfflineTemplateMiner.Mine([
            "10.0.0.1 \"GET /v2/a1/servers/detail HTTP/1.1\" status: 200 len: 1893 time: 0.24",
            "10.0.0.2 \"POST /v2/b2/servers/detail HTTP/1.1\" status: 202 len: 733 time: 0.51",
            "10.0.0.3 \"GET /v2/c3/servers/detail HTTP/1.1\" status: 200 len: 1893 time: 0.22",
        ]);

        Assert.Equal([1, 2, 1], mined.Ids);
    }

    [Fact]
    public void Mine_WordColumnWithManyValues_NotSplit()
    {
        string[] states = ["ok", "degraded", "failed", "pending", "unknown"];
        var mined = OfflineTemplateMiner.Mine([.. Enumerable.Range(0, 20).Select(i => $"Health check db{i} completed with status {states[i % states.Length]}")]);

        Assert.Single(mined.Ids.Distinct());
    }

    [Fact]
    public void Mine_BooleanColumn_NotSplit()
    {
        var mined = OfflineTemplateMiner.Mine(["visible is true", "visible is false", "visible is true"]);

        Assert.Single(mined.Ids.Distinct());
    }

    [Fact]
    public void Mine_EmptyFieldAgainstManyValues_KeptApart()
    {
        string[] hosts = ["alpha.example.org", "beta.example.org", "gamma.example.net", "delta.example.com", "omega.example.io"];
        var mined = OfflineTemplateMiner.Mine([
            .. hosts.Select((h, i) => $"connection from 10.0.0.{i} ({h}) at 12:00:0{i}"),
            "connection from 10.0.0.9 () at 12:00:09",
            "connection from 10.0.0.8 () at 12:00:08",
        ]);

        Assert.Equal([1, 1, 1, 1, 1, 2, 2], mined.Ids);
    }

    [Fact]
    public void Mine_TokensWithAVariableDifferingInTheirWords_KeptApart()
    {
        var mined = OfflineTemplateMiner.Mine([
            "session opened for user root by (uid=0)",
            "session opened for user root by (euid=0)",
            "session opened for user root by (uid=500)",
            "session opened for user root by (euid=0)",
        ]);

        Assert.Equal([1, 2, 1, 2], mined.Ids);
    }

    [Fact]
    public void Mine_TokensWithAVariableDifferingInPunctuation_OneTemplate()
    {
        var mined = OfflineTemplateMiner.Mine([
            "sched: Allocate JobId=101 NodeList=node[01-04] Partition=batch",
            "sched: Allocate JobId=102 NodeList=node07 Partition=batch",
            "sched: Allocate JobId=103 NodeList=node[11-12] Partition=debug",
        ]);

        Assert.Single(mined.Ids.Distinct());
    }

    [Fact]
    public void Merge_GeneralTemplateOfSameLength_HoldsTheSpecificOne()
    {
        // Met in another order the online pass opened the specific cluster apart from the general one.
        var general = new LogTemplate(1, ["session", "<*>", "for", "user", "<VAL>"]) { Count = 2 };
        var specific = new LogTemplate(2, ["session", "opened", "for", "user", "<VAL>"]) { Count = 1 };
        string[]?[] tokens = [
            ["session", "<NUM>", "for", "user", "<VAL>"],
            ["session", "<ID>", "for", "user", "<VAL>"],
            ["session", "opened", "for", "user", "<VAL>"],
        ];

        var mined = new ClusterMerger([new LogTemplate(0, ["<overflow>"]), general, specific]).Merge([1, 1, 2], tokens);

        Assert.Equal([1, 1, 1], mined.Ids);
    }

    [Fact]
    public void Mine_HundredThousandLines_AllGetAnIdAndTheStructuredEventsOneTemplateEach()
    {
        var random = new Random(5);
        string[] words = ["amber", "blue", "north", "paper", "quick", "river", "stone", "lunar"];
        var messages = Enumerable.Range(0, 100_000).Select(i => (i % 4) switch
        {
            0 => $"user u{random.Next(500)} logged in from 10.0.{random.Next(255)}.{random.Next(255)}",
            1 => $"job {random.Next(99999)} finished in {random.Next(1, 900)} ms",
            2 => $"upstream {random.Next(3)} said: {string.Join(' ', Enumerable.Range(0, random.Next(1, 5)).Select(_ => words[random.Next(words.Length)]))}",
            _ => $"cache {(random.Next(2) == 0 ? "hit" : "miss")} for key k{random.Next(99)}",
        }).ToList<string?>();

        var mined = OfflineTemplateMiner.Mine(messages);

        Assert.DoesNotContain(-1, mined.Ids);
        Assert.Equal(["user <ID> logged in from <IP>", "job <NUM> finished in <NUM> ms"], mined.Templates.Take(2));
        Assert.Contains("cache hit for key <ID>", mined.Templates);
        Assert.Contains("cache miss for key <ID>", mined.Templates);
    }
}
