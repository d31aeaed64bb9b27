using Mesh.Heal.Sidecar.Configuration;
using Mesh.Heal.Sidecar.Forwarding.Internal;
using Mesh.Heal.Sidecar.Identity;
using Mesh.Heal.Sidecar.Identity.Internal;
using Mesh.Heal.Sidecar.Interception.Internal;
using Mesh.Heal.Sidecar.OutlierDetection.Internal;
using Mesh.Heal.Sidecar.PolicySync;
using Mesh.Heal.Sidecar.PolicySync.Internal;
using Mesh.Heal.Sidecar.Resilience.Internal;
using Mesh.Heal.Sidecar.Telemetry.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Transforms;

namespace Mesh.Heal.Sidecar.Hosting;

/// <summary>Registers the sidecar's services.</summary>
public static class SidecarServiceCollectionExtensions
{
    /// <summary>Registers the resilience pipeline, YARP, outlier detection and metrics.</summary>
    public static IServiceCollection AddMeshHealSidecar(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ConfigReloadStatus>();
        services.TryAddSingleton<ClusterResilienceRegistry>();
        services.TryAddSingleton<PolicyMonitor>();
        services.TryAddSingleton<SidecarMetrics>();
        services.TryAddSingleton<ControlPlaneStatus>();
        services.TryAddSingleton<ControlPlaneConnection>();
        services.TryAddSingleton<PolicySnapshotApplier>();
        services.TryAddSingleton<TelemetryReportBuilder>();
        services.TryAddSingleton(static sp => new StreamReconnect(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<DirectForwarder>();
        services.TryAddSingleton<SidecarIdentity>();
        services.TryAddSingleton<InboundTls>();
        services.TryAddSingleton<TcpProxy>();
        services.AddHostedService<PolicySyncClient>();
        services.AddHostedService<TelemetryReporter>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPassiveHealthCheckPolicy, ConsecutiveFailuresPolicy>());
        services.AddReverseProxy()
            .LoadFromConfig(configuration.GetSection("ReverseProxy"))
            .AddConfigFilter<OutlierDetectionConfigFilter>()
            .AddTransforms(static context =>
            {
                context.AddRequestTransform(HeaderHygiene.TransformRequest);
                context.AddResponseTransform(HeaderHygiene.TransformResponse);
                context.AddResponseTrailersTransform(HeaderHygiene.TransformResponseTrailers);
                context.AddResponseTransform(static transform =>
                {
                    if (transform.ProxyResponse is { } response && (int)response.StatusCode >= 500
                        && transform.HttpContext.Features.Get<ResilientRequest>() is { } request
                        && request.ShouldSuppressFailedBody())
                    {
                        transform.SuppressResponseBody = true;
                        request.BodySuppressed = true;
                    }

                    return default;
                });
            });
        // Mutual TLS towards mesh peers (with Sidecar:Identity:Enabled); in place of YARP's own factory.
        services.Replace(ServiceDescriptor.Singleton<IForwarderHttpClientFactory, MeshForwarderHttpClientFactory>());
        // Host routes for intercepted traffic (none unless Sidecar:Interception:Enabled), beside the configured ones.
        services.AddSingleton<IProxyConfigProvider>(sp => new InterceptionRouteProvider(configuration, sp.GetRequiredService<IOptions<SidecarOptions>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, InterceptionMatcherPolicy>());
        DeferDataProtection(services);
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(SidecarMetrics.MeterName)
            .AddPrometheusExporter());
        return services;
    }

    /// <summary>Drops the hosted service that builds Data Protection's key ring at start.</summary>
    /// <remarks>
    /// YARP registers Data Protection for session affinity cookies, which few routes use. Built at start, the key ring
    /// writes a key file under the home directory (a warning on a read-only root), and loads OpenSSL and the XML stack:
    /// ~4 MB of the sidecar's memory and part of its start-up. Without the hosted service the ring is built on the
    /// first affinity cookie instead.
    /// </remarks>
    private static void DeferDataProtection(IServiceCollection services)
    {
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(IHostedService)
                && services[i].ImplementationType?.FullName == DataProtectionHostedService)
            {
                services.RemoveAt(i);
            }
        }
    }

    internal const string DataProtectionHostedService = "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService";
}
