using Grpc.AspNetCore.Server;
using Mesh.Heal.ControlPlane.Auth;
using Mesh.Heal.ControlPlane.Capacity;
using Mesh.Heal.ControlPlane.Dashboard;
using Mesh.Heal.ControlPlane.Git;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Hosting.Internal;
using Mesh.Heal.ControlPlane.Identity;
using Mesh.Heal.ControlPlane.Injection;
using Mesh.Heal.ControlPlane.Kubernetes;
using Mesh.Heal.ControlPlane.Logs;
using Mesh.Heal.ControlPlane.Policies;
using Mesh.Heal.ControlPlane.Replication;
using Mesh.Heal.ControlPlane.Resources;
using Mesh.Heal.ControlPlane.Services;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Telemetry;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Mesh.Heal.ControlPlane.Hosting;

/// <summary>Builds the control plane: gRPC services (PolicyDiscovery, Telemetry, MeshControl) with JSON transcoding,
/// the SQLite store, policy push and telemetry rollups.</summary>
public static partial class ControlPlaneHost
{
    /// <summary>Builds a control plane from command-line arguments (<c>--ControlPlane:Key=value</c>).</summary>
    /// <exception cref="ControlPlaneConfigurationException">A setting is invalid; the message names each one.</exception>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        var endpoints = new ControlPlaneEndpoints();
        builder.Services.AddSingleton(endpoints);
        builder.Services.AddMeshHealControlPlane();

        // Kestrel reads its listeners while the app is built: every feature's settings are validated first, so that
        // all bad settings are reported together, before anything listens.
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IStartupValidator, IServiceProvider>((kestrel, validator, services) =>
        {
            validator.Validate();
            services.GetRequiredService<ControlPlaneListeners>().Configure(kestrel, endpoints);
        });
        var app = WithConfigurationErrors(builder.Build);
        if (!app.Services.GetRequiredService<TokenAuthenticator>().Enabled)
        {
            LogAuthOff(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ControlPlaneHost).FullName!));
        }

        app.Lifetime.ApplicationStarted.Register(() => LogListening(
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ControlPlaneHost).FullName!), endpoints.GrpcUri, endpoints.HttpUri));

        // Open the store and load the newest policies now, so a broken store stops start-up rather than the first call.
        _ = app.Services.GetRequiredService<PolicyDistributor>();
        app.UseRequestBodyLimit(app.Services.GetRequiredService<IOptions<LimitOptions>>().Value.MaxMessageBytes);
        app.MapGrpcService<PolicyDiscoveryService>();
        app.MapGrpcService<TelemetryService>();
        app.MapGrpcService<MeshControlService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapHealthChecks("/healthz");
        app.MapPrometheusScrapingEndpoint();
        app.MapMeshHealDashboard();
        app.MapMeshHealInjection();
        return app;
    }

    /// <summary>Registers the control plane's services: one line per feature, each with its options validated at start.</summary>
    internal static IServiceCollection AddMeshHealControlPlane(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddMeshHealHosting();
        services.AddMeshHealStore();
        services.AddMeshHealReplication();
        services.AddMeshHealAuth();
        services.AddMeshHealPolicies();
        services.AddMeshHealTelemetry();
        services.AddMeshHealKubernetes();
        services.AddMeshHealResources();
        services.AddMeshHealCapacity();
        services.AddMeshHealLogs();
        services.AddMeshHealGit();
        services.AddMeshHealHealing();
        services.AddMeshHealDashboard();
        services.AddMeshHealInjection();
        services.AddMeshHealIdentity();
        return services;
    }

    /// <summary>Registers the host's own settings, its limits and TLS, the metrics and the gRPC/JSON API surface.</summary>
    internal static IServiceCollection AddMeshHealHosting(this IServiceCollection services)
    {
        services.AddMeshHealOptions<ControlPlaneOptions, ControlPlaneOptionsValidator>();
        services.AddMeshHealOptions<LimitOptions, LimitOptionsValidator>();
        services.AddMeshHealOptions<TlsOptions>();
        services.TryAddSingleton<ControlPlaneListeners>();
        services.TryAddSingleton<ControlPlaneMetrics>();
        services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<AuthInterceptor>();
            grpc.EnableDetailedErrors = false;
        }).AddJsonTranscoding();
        services.AddOptions<GrpcServiceOptions>().Configure<IOptions<LimitOptions>>((grpc, limits) => grpc.MaxReceiveMessageSize = limits.Value.MaxMessageBytes);
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks().AddCheck<StoreHealthCheck>("store");
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(ControlPlaneMetrics.MeterName).AddPrometheusExporter());
        return services;
    }

    /// <summary>Reports a failed start-up validation as <see cref="ControlPlaneConfigurationException"/>, whose message the
    /// process prints before it exits with code 2.</summary>
    private static T WithConfigurationErrors<T>(Func<T> build)
    {
        try
        {
            return build();
        }
        catch (OptionsValidationException ex)
        {
            throw new ControlPlaneConfigurationException(OptionsErrors.ToErrors(ex.Failures));
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
        {
            throw new ControlPlaneConfigurationException(OptionsErrors.ToErrors(ex.InnerExceptions.OfType<OptionsValidationException>().SelectMany(e => e.Failures)));
        }
    }

    // Ports chosen by the OS (port 0) are known only here; scripts and the chaos harness read this line.
    [LoggerMessage(EventId = 241, Level = LogLevel.Information, Message = "Control plane listening: grpc {Grpc} http {Http}")]
    private static partial void LogListening(ILogger logger, Uri grpc, Uri http);

    [LoggerMessage(EventId = 240, Level = LogLevel.Warning, Message = "No tokens are configured: authentication is off, so the control plane listens on loopback only")]
    private static partial void LogAuthOff(ILogger logger);
}
