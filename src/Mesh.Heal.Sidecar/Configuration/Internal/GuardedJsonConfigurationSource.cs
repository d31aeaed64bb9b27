namespace Mesh.Heal.Sidecar.Configuration.Internal;

/// <summary>A JSON configuration file that is watched, and whose changes are published only when they are valid.</summary>
internal sealed class GuardedJsonConfigurationSource(string path, ConfigReloadStatus status) : IConfigurationSource
{
    public string Path { get; } = path;

    public ConfigReloadStatus Status { get; } = status;

    /// <summary>Wait after a change event before reading, so that a file still being written is read whole.</summary>
    public TimeSpan ReloadDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new GuardedJsonConfigurationProvider(this);
}
