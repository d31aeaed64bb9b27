namespace Mesh.Heal.Sidecar.Resilience;

/// <summary>What the caller got for one request through the sidecar.</summary>
public enum RequestOutcome
{
    /// <summary>The primary answered.</summary>
    Success = 0,

    /// <summary>The fallback answered.</summary>
    Fallback,

    /// <summary>The caller got an error.</summary>
    Failure,

    /// <summary>The caller went away before the answer.</summary>
    ClientAborted,
}
