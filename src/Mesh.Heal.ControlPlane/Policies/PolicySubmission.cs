using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.Policy;

namespace Mesh.Heal.ControlPlane.Policies;

/// <summary>What became of a submitted policy document.</summary>
/// <param name="Stored">The version in force after the submission (the new one, or the unchanged newest); null when rejected.</param>
/// <param name="Changed">Whether a new version was made.</param>
/// <param name="Errors">Why the document was rejected; empty when accepted.</param>
internal sealed record PolicySubmission(StoredPolicy? Stored, bool Changed, IReadOnlyList<PolicyError> Errors);
