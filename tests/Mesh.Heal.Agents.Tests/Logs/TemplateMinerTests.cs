using Mesh.Heal.Agents.Logs;

namespace Mesh.Heal.Agents.Tests.Logs;

public sealed class TemplateMinerTests
{
    [Theory]
    [InlineData("user 42 logged in from 10.1.2.3:5050", "user <NUM> logged in from <IP>")]
    [InlineData("request 3f2504e0-4f89-11d3-9a0c-0305e82c3301 took 12ms", "request <GUID> took <NUM>")]
    [InlineData("open /var/lib/app/data.db failed (errno=13)", "open /var/lib/app/<FILE> failed (errno=<NUM>)")]
    [InlineData("GET https://api.example.com/v1/x?id=9 answered 503", "GET <URL> answered <NUM>")]
    [InlineData("span 0x7ffd1c2a deadbeef42cafe mailed bob@example.com", "span <HEX> <HEX> mailed <EMAIL>")]
    [InlineData("retry id:ab12cd34ef, key=\"7\"", "retry id:<HEX>, key=\"<NUM>\"")]
    [InlineData("search for 'out of stock' returned 3, 'x' too", "search for <STR> returned <NUM>, <STR> too")]
    [InlineData("it's 'unclosed and fine", "it's 'unclosed and fine")]
    public void Tokenize_MasksVariables(string message, string expected)
    {
        var tokens = new List<string>();
        LogMasker.Tokenize(message, tokens);

        Assert.Equal(expected, LogMasker.Join(tokens));
    }

    [Fact]
    public void Add_SameEventDifferentValues_OneTemplateWithWildcards()
    {
        var miner = new TemplateMiner();

        var a = miner.Add("order 1 shipped to alice");
        var b = miner.Add("order 2 shipped to bob");
        var c = miner.Add("order 3 cancelled by carol");
        var d = miner.Add("cache warmed in 15ms");

        Assert.Same(a, b);
        Assert.Equal("order <NUM> shipped to <*>", a.Text);
        Assert.NotSame(a, c);
        Assert.NotSame(a, d);
        Assert.Equal(2, a.Count);
    }

    [Fact]
    public void Add_TenThousandLinesOfFiveEvents_FoldIntoFiveTemplates()
    {
        var miner = new TemplateMiner();
        var random = new Random(3);
        string[] users = ["alice", "bob", "carol", "dave", "erin", "frank"];
        for (var i = 0; i < 10_000; i++)
        {
            var u = users[random.Next(users.Length)];
            miner.Add((i % 5) switch
            {
                0 => $"GET /orders/{random.Next(1000)} 200 in {random.Next(1, 90)} ms",
                1 => $"user {u} logged in from 10.0.{random.Next(255)}.{random.Next(255)}",
                2 => $"payment {Guid.NewGuid()} declined: insufficient funds",
                3 => $"connection pool size {random.Next(100)} of 100",
                _ => $"worker {random.Next(8)} picked job {random.Next(99999)} for {u}",
            });
        }

        Assert.Equal(5, miner.Templates.Count(t => t.Count > 0));
    }
}
