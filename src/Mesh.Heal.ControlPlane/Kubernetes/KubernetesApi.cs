using k8s;
using Mesh.Heal.ControlPlane.Resources;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Kubernetes;

/// <summary>The Kubernetes API client the actuators share, built from <c>ControlPlane:Kubernetes</c> on first use.</summary>
internal sealed class KubernetesApi(IOptions<KubernetesOptions> options) : IDisposable
{
    private readonly Lazy<IKubernetes?> _client = new(() => Create(options.Value));

    /// <summary>The client, or null when no API server is configured.</summary>
    public IKubernetes? Client => _client.Value;

    public void Dispose()
    {
        if (_client.IsValueCreated)
        {
            _client.Value?.Dispose();
        }
    }

    private static IKubernetes? Create(KubernetesOptions settings)
    {
        if (settings.InCluster)
        {
            return new k8s.Kubernetes(KubernetesClientConfiguration.InClusterConfig());
        }

        if (settings.Server is not { Length: > 0 } server)
        {
            return null;
        }

        var token = settings.Token is { } t && t.StartsWith("file:", StringComparison.Ordinal) ? File.ReadAllText(t[5..]).Trim() : settings.Token;
        return new k8s.Kubernetes(new KubernetesClientConfiguration { Host = server, AccessToken = token });
    }
}
