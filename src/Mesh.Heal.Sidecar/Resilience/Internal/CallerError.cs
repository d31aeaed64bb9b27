namespace Mesh.Heal.Sidecar.Resilience.Internal;

/// <summary>How a caller made an attempt fail; never counted against the upstream.</summary>
internal enum CallerError
{
    /// <summary>The caller did nothing wrong.</summary>
    None = 0,

    /// <summary>The caller went away (reset, aborted, canceled).</summary>
    Aborted,

    /// <summary>The attempt's time ran out while the sidecar still waited for the caller's request body.</summary>
    SlowBody,

    /// <summary>Reading the caller's request body failed: malformed framing, too slow for the listener's minimum rate, too large.</summary>
    BadBody,
}
