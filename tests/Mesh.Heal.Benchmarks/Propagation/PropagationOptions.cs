using System.Globalization;

namespace Mesh.Heal.Benchmarks.Propagation;

/// <summary>One run of the propagation benchmark: how many streams, whether they are real sidecars, over how many
/// control-plane replicas (more than one: on PostgreSQL), and whether it measures the first version of a service whose
/// streams are open with no policy (<see cref="First"/>) rather than changes to a service that has one.</summary>
internal sealed record PropagationCase(int Streams, bool Real, int Replicas = 1, bool First = false)
{
    /// <summary>The replicas of a "replicated" case.</summary>
    public const int ReplicatedReplicas = 3;

    public override string ToString() =>
        $"{(First ? "first policy, " : string.Empty)}{Streams} {(Real ? "real sidecars" : "simulated streams")}{(Replicas > 1 ? $" / {Replicas} replicas" : string.Empty)}";
}

internal sealed record PropagationOptions(IReadOnlyList<PropagationCase> Cases, int Changes)
{
    public static bool TryParse(ReadOnlySpan<string> args, out PropagationOptions options, out string error)
    {
        options = null!;
        var cases = new List<PropagationCase> { new(10, true), new(10, false), new(1000, false) };
        var changes = 100;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--changes" when value is not null && int.TryParse(value, CultureInfo.InvariantCulture, out changes) && changes is >= 1 and <= 10_000:
                    break;
                case "--cases" when value is not null && ParseCases(value) is { } parsed:
                    cases = parsed;
                    break;
                default:
                    error = $"'{args[i]}{(value is null ? string.Empty : " " + value)}' is not accepted; accepted: "
                        + "--cases N:[first-]real|simulated|replicated[,...] (N 1 to 10000; real at most 50), --changes 1-10000";
                    return false;
            }

            i++;
        }

        options = new PropagationOptions(cases, changes);
        error = string.Empty;
        return true;
    }

    private static List<PropagationCase>? ParseCases(string text)
    {
        var cases = new List<PropagationCase>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pieces = part.Split(':');
            var first = pieces.Length == 2 && pieces[1].StartsWith("first-", StringComparison.Ordinal);
            var kind = first ? pieces[1]["first-".Length..] : pieces.Length == 2 ? pieces[1] : string.Empty;
            if (pieces.Length != 2 || !int.TryParse(pieces[0], CultureInfo.InvariantCulture, out var n) || n is < 1 or > 10_000
                || kind is not ("real" or "simulated" or "replicated") || (kind == "real" && n > 50))
            {
                return null;
            }

            cases.Add(new PropagationCase(n, kind == "real", kind == "replicated" ? PropagationCase.ReplicatedReplicas : 1, first));
        }

        return cases.Count == 0 ? null : cases;
    }
}
