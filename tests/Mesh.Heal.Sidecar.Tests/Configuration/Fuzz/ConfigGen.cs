using System.Text;
using CsCheck;

namespace Mesh.Heal.Sidecar.Tests.Configuration.Fuzz;

/// <summary>Generates sidecar configuration files: mostly well-formed JSON whose values are drawn from valid and hostile pools, sometimes broken text.</summary>
internal static class ConfigGen
{
    private static readonly string[] Ids = ["backend", "backup", "BACKEND", "nope", "", "a b", "ключ"];

    private static Gen<string> Raw(params string[] literals) => Gen.OneOf(literals);

    private static Gen<string> Str(params string[] values) => Gen.OneOf(values.Select(Quote).ToArray());

    private static readonly Gen<string> Weird = Raw("null", "[]", "{}", "[\"x\"]", "{\"a\":1}", "true", "0", "-1", "1e400", "\"\"", "\"\\u0000\"", "[[[[]]]]");

    private static Gen<string> Either(Gen<string> valid, int weirdWeight = 1) => Gen.Frequency((4, valid), (weirdWeight, Weird));

    private static Gen<string?> Opt(Gen<string> value, int presentWeight = 1) =>
        Gen.Frequency((presentWeight, value.Select(v => (string?)v)), (1, Gen.Const((string?)null)));

    private static Gen<string> Obj(params (string Key, Gen<string?> Value)[] fields)
    {
        Gen<List<(string, string?)>> acc = Gen.Const(0).Select(_ => new List<(string, string?)>());
        foreach (var (key, value) in fields)
        {
            acc = from list in acc
                  from v in value
                  select Add(list, key, v);
        }

        return acc.Select(list =>
        {
            var text = new StringBuilder("{");
            foreach (var (key, value) in list)
            {
                if (value is null)
                {
                    continue;
                }

                if (text.Length > 1)
                {
                    text.Append(',');
                }

                text.Append(Quote(key)).Append(':').Append(value);
            }

            return text.Append('}').ToString();
        });
    }

    private static List<(string, string?)> Add(List<(string, string?)> list, string key, string? value)
    {
        var copy = new List<(string, string?)>(list) { (key, value) };
        return copy;
    }

    private static Gen<string> Dict(Gen<string> key, Gen<string> value, int min, int max) =>
        Gen.Select(key, value).Array[min, max].Select(items => "{" + string.Join(',', items.Select(i => Quote(i.Item1) + ":" + i.Item2)) + "}");

    private static Gen<string> ListOf(Gen<string> item, int max) => item.Array[0, max].Select(items => "[" + string.Join(',', items) + "]");

    private static readonly Gen<string> ClusterRef = Either(Str("backend", "backup", "nope", "", "BACKEND"));

    private static readonly Gen<string> Match = Either(Obj(
        ("Path", Opt(Either(Str("{**catch-all}", "/orders/{**rest}", "/x", "/{**a}/{b", "/a/{", "{x}{y}", "", "/{id:int}", "/{*a}/b")), 3)),
        ("Hosts", Opt(ListOf(Either(Str("example.com", "*.example.com", "a b", "", "h:80")), 2))),
        ("Methods", Opt(ListOf(Either(Str("GET", "POST", "G ET", "", "get")), 2))),
        ("Headers", Opt(ListOf(Either(Obj(("Name", Opt(Str("x-a", ""))), ("Values", Opt(ListOf(Str("1"), 2))))), 2)))), weirdWeight: 1);

    private static readonly Gen<string> Route = Either(Obj(
        ("ClusterId", Opt(ClusterRef, 6)),
        ("Match", Opt(Match, 6)),
        ("Order", Opt(Either(Raw("1", "-5", "\"first\"", "99999999999", "\"2\"")))),
        ("RouteId", Gen.Frequency((1, Str("r").Select(v => (string?)v)), (12, Gen.Const((string?)null)))),
        ("Timeout", Opt(Str("00:00:05", "soon", "-00:00:01")))));

    private static readonly Gen<string> Address = Either(Str(
        "http://127.0.0.1:1/", "https://backup.local/", "not a url", "ftp://127.0.0.1/", "http://", "", "/relative", "http://user:pw@host/", "http://[::1]:80/"), weirdWeight: 1);

    private static readonly Gen<string> Cluster = Either(Obj(
        ("Destinations", Opt(Either(Dict(Str("d1", "d2").Select(s => s.Trim('"')), Either(Obj(("Address", Opt(Address, 8)), ("Health", Opt(Address)))), 0, 2)), 8)),
        ("LoadBalancingPolicy", Opt(Either(Str("RoundRobin", "PowerOfTwoChoices", "Fastest", "")))),
        ("HttpClient", Opt(Obj(("MaxConnectionsPerServer", Opt(Either(Raw("10", "0", "\"many\""))))))),
        ("HttpRequest", Opt(Obj(("ActivityTimeout", Opt(Either(Str("00:01:00", "1m", "-00:00:01")))))))));

    private static readonly Gen<string> Duration = Either(Str("2s", "250ms", "00:00:02", "1e300s", "9999999999999d", "-1s", "soon", "0s", "1e-300s", "10675199.02:48:05.4775807"));

    private static readonly Gen<string> Number = Either(Raw("0.5", "1", "2", "0", "-1", "1e308", "1e-320", "\"x\"", "NaN", "100", "2147483648", "\"10\""));

    private static readonly Gen<string> FallbackResponse = Obj(
        ("StatusCode", Opt(Either(Raw("200", "503", "101", "204", "99", "600", "\"x\"")))),
        ("Body", Opt(Str("static", "", "é"))),
        ("ContentType", Opt(Str("text/plain", "a\r\nb: c", ""))),
        ("Headers", Opt(Dict(Str("x-a", "Content-Length", "Transfer-Encoding", "bad name", "").Select(s => s.Trim('"')), Either(Str("v", "a\r\nb", "café", "999", "chunked")), 0, 2))));

    private static readonly Gen<string> ClusterPolicy = Either(Obj(
        ("Timeout", Opt(Duration)),
        ("CircuitBreaker", Opt(Obj(
            ("FailureRatio", Opt(Number)), ("MinimumThroughput", Opt(Number)), ("BreakDuration", Opt(Duration)),
            ("SamplingDuration", Opt(Duration)), ("ConsecutiveFailures", Opt(Number)), ("SlowCallDuration", Opt(Duration))))),
        ("Retry", Opt(Obj(("MaxAttempts", Opt(Number)), ("BudgetPercent", Opt(Number))))),
        ("OutlierDetection", Opt(Obj(("ConsecutiveFailures", Opt(Number)), ("MaxEjectionPercent", Opt(Number))))),
        ("Fallback", Opt(Either(Gen.OneOf(Obj(("Cluster", Opt(ClusterRef, 4))), Obj(("Response", Opt(FallbackResponse, 4))))))),
        ("Override", Opt(Either(Str("forceOpen", "forceFallback", "off", "none", "sideways"))))));

    private static readonly Gen<string> WellFormed = Obj(
        ("Sidecar", Gen.Const((string?)"{\"Service\":\"orders\"}")),
        ("ReverseProxy", Opt(Either(Obj(
            ("Routes", Opt(Either(Dict(Gen.OneOf(Ids), Route, 0, 2)), 6)),
            ("Clusters", Opt(Either(Dict(Gen.OneOf(Ids), Cluster, 0, 3)), 6)))), 6)),
        ("Resilience", Opt(Either(Obj(
            ("Clusters", Opt(Dict(Gen.OneOf(Ids), ClusterPolicy, 0, 2))),
            ("Defaults", Opt(ClusterPolicy)))), 2)));

    /// <summary>A whole file: well-formed most of the time; sometimes cut short, or nested past the JSON reader's depth.</summary>
    public static readonly Gen<string> Document = Gen.Frequency(
        (12, WellFormed),
        (1, Gen.Select(WellFormed, Gen.Double[0, 1]).Select(p => p.Item1[..(int)(p.Item1.Length * p.Item2)])),
        (1, Gen.Int[1, 400].Select(depth => "{\"Resilience\":" + new string('[', depth) + new string(']', depth) + "}")),
        (1, Gen.String[0, 40]));

    private static string Quote(string value) => System.Text.Json.JsonSerializer.Serialize(value);
}
