namespace Mesh.Heal.Sidecar.Configuration;

/// <summary>What became of the last configuration or policy change that was refused.</summary>
/// <remarks>Shared by the configuration file watcher (which runs before logging exists) and the policy monitor.</remarks>
public sealed class ConfigReloadStatus
{
    private string? _lastRejection;
    private long _rejections;

    /// <summary>Raised with the reason whenever a change is refused.</summary>
    public event Action<string>? Rejected;

    /// <summary>The reason the last change was refused, or null when none was.</summary>
    public string? LastRejection => Volatile.Read(ref _lastRejection);

    /// <summary>How many changes were refused since start.</summary>
    public long Rejections => Interlocked.Read(ref _rejections);

    /// <summary>Records a refused change; the configuration in force stays.</summary>
    public void Reject(string reason)
    {
        Volatile.Write(ref _lastRejection, reason);
        Interlocked.Increment(ref _rejections);
        Rejected?.Invoke(reason);
    }
}
