using Mesh.Heal.Policy;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace Mesh.Heal.Sidecar.Configuration.Internal;

/// <summary>Loads a JSON file and reloads it on change, keeping the old data when the new file is malformed or invalid.</summary>
/// <remarks>
/// The stock JSON provider empties its data when a reload fails to parse, which would take every route and policy
/// away from a running proxy. Here a change is published (and listeners told) only after the whole file parsed and
/// its <c>ReverseProxy</c> and <c>Resilience</c> sections validated; otherwise, or when reading fails in any way, the
/// reason is recorded in <see cref="ConfigReloadStatus"/> (logged, counted, shown in <c>/admin/state</c>).
/// </remarks>
internal sealed class GuardedJsonConfigurationProvider : ConfigurationProvider, IDisposable
{
    private readonly GuardedJsonConfigurationSource _source;
    private readonly PhysicalFileProvider _files;
    private readonly IDisposable _watch;
    private readonly Lock _reloadLock = new();
    private int _pending;

    public GuardedJsonConfigurationProvider(GuardedJsonConfigurationSource source)
    {
        _source = source;
        var directory = System.IO.Path.GetDirectoryName(source.Path)!;
        var fileName = System.IO.Path.GetFileName(source.Path);
        _files = new PhysicalFileProvider(directory);
        _watch = ChangeToken.OnChange(() => _files.Watch(fileName), OnFileChanged);
    }

    public override void Load()
    {
        var (data, errors) = ReadGuarded();
        if (errors.Count > 0)
        {
            throw new SidecarConfigurationException(errors);
        }

        Data = data!;
    }

    /// <summary>The data in force, for tests.</summary>
    internal IEnumerable<KeyValuePair<string, string?>> Current => Data;

    public void Dispose()
    {
        _watch.Dispose();
        _files.Dispose();
    }

    private void OnFileChanged()
    {
        // Editors write in several steps: coalesce the burst into one read after a short pause.
        if (Interlocked.Exchange(ref _pending, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            await Task.Delay(_source.ReloadDelay).ConfigureAwait(false);
            Interlocked.Exchange(ref _pending, 0);
            Reload();
        });
    }

    /// <summary>Reads the file now and publishes it if it is valid and different; otherwise records the rejection.</summary>
    /// <remarks>Called by the file watcher after <see cref="GuardedJsonConfigurationSource.ReloadDelay"/>, and by tests.</remarks>
    internal void Reload()
    {
        lock (_reloadLock)
        {
            var (data, errors) = ReadGuarded();
            if (errors.Count > 0)
            {
                _source.Status.Reject($"configuration file '{_source.Path}' rejected: {string.Join("; ", errors)}");
                return;
            }

            if (SameData(data!, Data))
            {
                return;
            }

            Data = data!;
        }

        OnReload();
    }

    private (Dictionary<string, string?>? Data, IReadOnlyList<PolicyError> Errors) ReadGuarded()
    {
        try
        {
            return TryRead();
        }
        catch (Exception ex)
        {
            // Whatever fails in reading, the change is refused out loud: a reload never disappears silently.
            return (null, [new PolicyError("--config", $"file '{_source.Path}' was not loaded: the reader failed: {ex.GetType().Name}: {Flatten(ex)}")]);
        }
    }

    private (Dictionary<string, string?>? Data, IReadOnlyList<PolicyError> Errors) TryRead()
    {
        IConfigurationRoot candidate;
        try
        {
            var bytes = File.ReadAllBytes(_source.Path);
            candidate = new ConfigurationBuilder().AddJsonStream(new MemoryStream(bytes)).Build();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or InvalidDataException
                                   or System.Text.Json.JsonException)
        {
            return (null, [new PolicyError("--config", $"file '{_source.Path}' was not loaded: {Flatten(ex)}")]);
        }

        var proxyErrors = ProxyConfigValidator.Validate(candidate);
        var (_, errors) = PolicyReader.Read(candidate, version: 0, PolicyReader.KnownClusters(candidate));
        if (errors.Count > 0 || proxyErrors.Count > 0)
        {
            return (null, [.. proxyErrors, .. errors]);
        }

        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in candidate.AsEnumerable())
        {
            if (value is not null)
            {
                data[key] = value;
            }
        }

        return (data, []);
    }

    private static bool SameData(Dictionary<string, string?> a, IDictionary<string, string?> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static string Flatten(Exception ex)
    {
        var message = ex.Message;
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            message += " " + inner.Message;
        }

        return message;
    }
}
