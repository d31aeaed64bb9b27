namespace Mesh.Heal.Policy;

/// <summary>Whether a service's inbound listener accepts callers without a mesh client certificate.</summary>
public enum MtlsMode
{
    /// <summary>Plain connections and TLS connections without a client certificate are served; a presented certificate must be valid.</summary>
    Permissive = 0,

    /// <summary>Only TLS connections with a valid mesh client certificate are served; every other connection is closed.</summary>
    Required,
}
