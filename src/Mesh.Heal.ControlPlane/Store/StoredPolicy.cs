namespace Mesh.Heal.ControlPlane.Store;

/// <summary>One version of a service's policy as stored: the resolved policy in the wire's JSON form (every field set)
/// and the document as submitted.</summary>
internal sealed record StoredPolicy(
    string Service, long Version, string PolicyJson, string Document, string Source, string Author, DateTimeOffset CreatedAt);
