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

    /// <summary>The control-plane address (one entry of <c>Sidecar:ControlPlaneUrl</c>) the policy stream is on, or was last on; null before the first stream.</summary>
    public string? Address { get; private set; }

    /// <summary>The IP address and port behind <see cref="Address"/> that its channel last connected to (the replica, when the name has several records), or null.</summary>
    public string? Endpoint { get; private set; }

    /// <summary>The control-plane address the telemetry stream last wrote a report to, or null.</summary>
    public string? TelemetryAddress { get; private set; }

    internal void OnConnected(string address, string? endpoint)
    {
        lock (_lock)
        {
            Connected = true;
            Connects++;
            Address = address;
            Endpoint = endpoint;
        }
    }

    internal void OnTelemetryAccepted(string address)
    {
        lock (_lock)
        {
            TelemetryAddress = address;
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
