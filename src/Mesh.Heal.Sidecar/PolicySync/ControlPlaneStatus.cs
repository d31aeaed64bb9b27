namespace Mesh.Heal.Sidecar.PolicySync;

/// <summary>What the sidecar knows of its control plane: connected or not, and what it last answered.</summary>
public sealed class ControlPlaneStatus
{
    private readonly Lock _lock = new();

    /// <summary>Whether the control plane is configured at all.</summary>
    public bool Configured { get; internal set; }

    /// <summary>Whether the policy stream is open and accepted by the control plane.</summary>
    public bool Connected { get; private set; }

    /// <summary>Why the last stream ended or could not open, or null.</summary>
    public string? LastError { get; private set; }

    /// <summary>The last version ACKed, or 0.</summary>
    public long LastAckVersion { get; private set; }

    /// <summary>The version of the last snapshot NACKed, or 0.</summary>
    public long LastNackVersion { get; private set; }

    /// <summary>Why the last snapshot was NACKed, or null.</summary>
    public string? LastNackReason { get; private set; }

    /// <summary>How many times the stream was (re)opened.</summary>
    public long Connects { get; private set; }

    internal void OnConnected()
    {
        lock (_lock)
        {
            Connected = true;
            Connects++;
        }
    }

    internal void OnDisconnected(string reason)
    {
        lock (_lock)
        {
            Connected = false;
            LastError = reason;
        }
    }

    internal void OnAck(long version)
    {
        lock (_lock)
        {
            LastAckVersion = version;
        }
    }

    internal void OnNack(long version, string reason)
    {
        lock (_lock)
        {
            LastNackVersion = version;
            LastNackReason = reason;
        }
    }
}
