namespace Mesh.Heal.ControlPlane.Store;

/// <summary>Findings merged by fingerprint: what is wrong, where, since when, how often.</summary>
internal sealed record StoredIssue(
    string Id,
    string Fingerprint,
    string Service,
    IReadOnlyList<string> Services,
    string Kind,
    string Severity,
    string State,
    string Summary,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    long Occurrences,
    string Details);
