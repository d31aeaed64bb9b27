using System.Net;
using System.Security.Cryptography.X509Certificates;
using Mesh.Heal.Agents;
using Mesh.Heal.Agents.BugFixing;
using Mesh.Heal.Agents.Capacity;
using Mesh.Heal.Agents.CircuitBreaker;
using Mesh.Heal.Agents.Scaling;
using Mesh.Heal.Agents.Resources;
using Mesh.Heal.ControlPlane.Auth;
using Mesh.Heal.ControlPlane.Capacity;
using Mesh.Heal.ControlPlane.Git;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Kubernetes;
using Mesh.Heal.ControlPlane.Logs;
using Mesh.Heal.ControlPlane.Policies;
using Mesh.Heal.ControlPlane.Resources;
using Mesh.Heal.ControlPlane.Services;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Telemetry;
using Mesh.Heal.Healing;
using Mesh.Heal.Policy;
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
        var options = new ControlPlaneOptions();
        builder.Configuration.GetSection(ControlPlaneOptions.SectionName).Bind(options);
        var (authenticator, errors) = TokenAuthenticator.Create(options.Auth);
        var all = errors.Concat(ControlPlaneOptionsValidator.Validate(options, authenticator.Enabled)).ToList();
        if (all.Count > 0)
        {
            throw new ControlPlaneConfigurationException(all);
        }

        var endpoints = new ControlPlaneEndpoints();
        var parse = new List<PolicyError>();
        var grpc = ControlPlaneOptionsValidator.Listen(options.GrpcUrl, "ControlPlane:GrpcUrl", allowHttps: true, parse)!.Value;
        var http = ControlPlaneOptionsValidator.Listen(options.HttpUrl, "ControlPlane:HttpUrl", allowHttps: false, parse)!.Value;
        var certificate = grpc.Https ? LoadCertificate(options.Tls) : null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(new IPEndPoint(grpc.Address ?? IPAddress.Any, grpc.Port), listen =>
            {
                listen.Protocols = certificate is null ? HttpProtocols.Http2 : HttpProtocols.Http1AndHttp2;
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }

                endpoints.Grpc = listen;
            });
            kestrel.Listen(new IPEndPoint(http.Address ?? IPAddress.Any, http.Port), listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                endpoints.Http = listen;
            });
        });
        endpoints.GrpcHttps = certificate is not null;

        builder.Services.AddSingleton(endpoints);
        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton(authenticator);
        builder.Services.AddMeshHealControlPlane(options);
        var app = builder.Build();
        if (!authenticator.Enabled)
        {
            LogAuthOff(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ControlPlaneHost).FullName!));
        }

        app.Lifetime.ApplicationStarted.Register(() => LogListening(
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ControlPlaneHost).FullName!), endpoints.GrpcUri, endpoints.HttpUri));

        // Open the store and load the newest policies now, so a broken store stops start-up rather than the first call.
        _ = app.Services.GetRequiredService<PolicyDistributor>();
        app.UseRequestBodyLimit(options.Limits.MaxMessageBytes);
        app.MapGrpcService<PolicyDiscoveryService>();
        app.MapGrpcService<TelemetryService>();
        app.MapGrpcService<MeshControlService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapHealthChecks("/healthz");
        app.MapPrometheusScrapingEndpoint();
        return app;
    }

    /// <summary>Registers the control plane's services.</summary>
    internal static IServiceCollection AddMeshHealControlPlane(this IServiceCollection services, ControlPlaneOptions options)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new MeshStore(options.StorePath, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<ControlPlaneMetrics>();
        services.TryAddSingleton<PolicyService>();
        services.TryAddSingleton<PolicyDistributor>();
        services.TryAddSingleton(sp => new TelemetryAggregator(
            sp.GetRequiredService<TimeProvider>(), options.Limits.MaxInstances, options.Limits.InstanceTtl, sp.GetRequiredService<ControlPlaneMetrics>()));
        services.TryAddSingleton<ServiceAccountReviewer>();
        services.TryAddSingleton<AuthInterceptor>();
        services.TryAddSingleton<PolicyAnswerWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<PolicyAnswerWriter>());
        services.AddHostedService<RollupWriter>();
        services.AddHostedService<PolicyDirectoryWatcher>();
        services.TryAddSingleton(options.Agents.CircuitBreaker);
        services.TryAddSingleton(options.Agents.Resources);
        services.TryAddSingleton(options.Agents.Capacity);
        services.TryAddSingleton(options.Agents.Scaling);
        services.TryAddSingleton(options.Agents.BugFixer);
        services.TryAddSingleton<AnomalyMonitor>();
        services.TryAddSingleton(_ => new PrometheusClient(new HttpClient { Timeout = TimeSpan.FromSeconds(30) }));
        services.TryAddSingleton<ResourceCollector>();
        services.AddHostedService(sp => sp.GetRequiredService<ResourceCollector>());
        services.TryAddSingleton<KubernetesApi>();
        services.TryAddSingleton(sp => new CleanupActuator(
            new HttpClient(), sp.GetRequiredService<KubernetesApi>(), sp.GetRequiredService<IOptions<ControlPlaneOptions>>(), sp.GetRequiredService<TimeProvider>()));
        services.AddActuator<Cleanup, CleanupUndo, CleanupActuator>();
        services.TryAddSingleton<HpaActuator>();
        services.AddActuator<HpaChange, HpaUndo, HpaActuator>();
        services.TryAddSingleton<CapacityCollector>();
        services.AddHostedService(sp => sp.GetRequiredService<CapacityCollector>());
        services.TryAddSingleton<LogCollector>();
        services.AddHostedService<LogFileTailer>();
        services.AddHostedService<PodLogReader>();
        services.TryAddSingleton<RepositoryIndex>();
        services.TryAddSingleton<GitActuator>();
        services.AddActuator<PatchReview, ReviewUndo, GitActuator>();
        services.TryAddSingleton<SnapshotBuilder>();
        services.TryAddSingleton<PolicyActuator>();
        services.AddActuator<PolicyPatch, PolicyUndo, PolicyActuator>();
        // i19 shim: per-feature options until the options branch lands
        services.AddSingleton<IOptions<HealingOptions>>(sp => Options.Create(sp.GetRequiredService<IOptions<ControlPlaneOptions>>().Value.Healing));
        services.TryAddSingleton<HealingCoordinator>();
        services.AddHostedService(sp => sp.GetRequiredService<HealingCoordinator>());

        // The agents: one line each.
        services.AddHealingAgent<CircuitBreakerAgent>();
        services.AddHealingAgent<ResourceExhaustionAgent>();
        services.AddHealingAgent<CapacityPlannerAgent>();
        services.AddHealingAgent<ScalingAdjusterAgent>();
        services.AddHealingAgent<BugFixerAgent>();
        services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<AuthInterceptor>();
            grpc.MaxReceiveMessageSize = options.Limits.MaxMessageBytes;
            grpc.EnableDetailedErrors = false;
        }).AddJsonTranscoding();
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks().AddCheck<StoreHealthCheck>("store");
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(ControlPlaneMetrics.MeterName).AddPrometheusExporter());
        return services;
    }

    /// <summary>Registers an agent with the coordinator.</summary>
    internal static IServiceCollection AddHealingAgent<TAgent>(this IServiceCollection services)
        where TAgent : class, IHealingAgent
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHealingAgent, TAgent>());
        return services;
    }

    private static X509Certificate2 LoadCertificate(ControlPlaneOptions.TlsOptions tls)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(tls.CertificatePath!, tls.KeyPath);
        }
        catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
        {
            throw new ControlPlaneConfigurationException([new PolicyError(
                "ControlPlane:Tls:CertificatePath", $"'{tls.CertificatePath}' could not be loaded with key '{tls.KeyPath ?? "(in the same file)"}': {ex.Message}; accepted: PEM certificate and key files")]);
        }
    }

    // Ports chosen by the OS (port 0) are known only here; scripts and the chaos harness read this line.
    [LoggerMessage(EventId = 241, Level = LogLevel.Information, Message = "Control plane listening: grpc {Grpc} http {Http}")]
    private static partial void LogListening(ILogger logger, Uri grpc, Uri http);

    [LoggerMessage(EventId = 240, Level = LogLevel.Warning, Message = "No tokens are configured: authentication is off, so the control plane listens on loopback only")]
    private static partial void LogAuthOff(ILogger logger);
}
