using Mesh.Heal.Hosting;
using Mesh.Heal.Policy;
using Mesh.Heal.Sidecar.Admin.Internal;
using Mesh.Heal.Sidecar.Configuration;
using Mesh.Heal.Sidecar.Configuration.Internal;
using Mesh.Heal.Sidecar.Forwarding.Internal;
using Mesh.Heal.Sidecar.Hosting.Internal;
using Mesh.Heal.Sidecar.Identity.Internal;
using Mesh.Heal.Sidecar.Interception.Internal;
using Mesh.Heal.Sidecar.PolicySync;
using Mesh.Heal.Sidecar.PolicySync.Internal;
using Mesh.Heal.Sidecar.Resilience.Internal;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.Sidecar.Hosting;

/// <summary>Builds the sidecar: YARP with Mesh.Heal's resilience pipeline, and the admin listener.</summary>
public static partial class SidecarHost
{
    /// <summary>Builds a sidecar from command-line arguments (<c>--config file.json</c>, <c>--Section:Key=value</c>).</summary>
    /// <exception cref="SidecarConfigurationException">The configuration or the policy is invalid; the message names each setting.</exception>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // The slim builder keeps what the sidecar uses (appsettings.json, environment variables, the command line,
        // console logging, HTTP/1.1 and h2c in Kestrel) and leaves out HTTPS and HTTP/3 listeners, regex route
        // constraints, hosting startup assemblies and the EventLog/Debug/EventSource loggers.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.AddMeshHealSidecar();
        configure?.Invoke(builder);
        return WithConfigurationErrors(() =>
        {
            var app = builder.Build();
            app.UseMeshHealSidecar();
            return app;
        });
    }

    /// <summary>Adds the configuration file, the listeners and the services of the sidecar.</summary>
    public static WebApplicationBuilder AddMeshHealSidecar(this WebApplicationBuilder builder)
    {
        var status = new ConfigReloadStatus();
        if (builder.Configuration["config"] is { Length: > 0 } configPath)
        {
            AddGuardedConfigFile(builder.Configuration, Path.GetFullPath(configPath), status);
        }

        var section = builder.Configuration.GetSection(SidecarOptions.SectionName);
        var endpoints = new SidecarEndpoints();
        builder.Services.AddOptions<SidecarOptions>().Bind(section).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SidecarOptions>, SidecarOptionsValidator>());
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<SidecarOptions>>((kestrel, sidecar) =>
        {
            var options = sidecar.Value;
            var (proxy, admin, http2) = SidecarOptionsValidator.Listeners(options);
            kestrel.AddServerHeader = false;
            kestrel.Limits.RequestHeadersTimeout = options.CallerRequestHeadersTimeout;
            kestrel.Limits.MinRequestBodyDataRate = options.CallerMinRequestBodyBytesPerSecond == 0
                ? null
                : new MinDataRate(options.CallerMinRequestBodyBytesPerSecond, options.CallerMinRequestBodyGracePeriod);
            endpoints.Proxy = Listen(kestrel, proxy, HttpProtocols.Http1);
            endpoints.Admin = Listen(kestrel, admin, HttpProtocols.Http1);
            if (http2 is { } h2)
            {
                endpoints.Http2Proxy = Listen(kestrel, h2, HttpProtocols.Http2);
            }

            if (options.Interception.Enabled)
            {
                // Once per connection: the one system call that tells a redirected connection from an explicit one, then
                // (redirected only) the first bytes that tell HTTP/1.x from opaque TCP.
                RedirectedConnections.UseOutbound(endpoints.Proxy);
            }

            if (SidecarOptionsValidator.InboundListener(options) is { } inbound)
            {
                endpoints.Inbound = Listen(kestrel, inbound, HttpProtocols.Http1);
                RedirectedConnections.UseInbound(endpoints.Inbound, inbound.IsHttps);
                if (inbound.IsHttps)
                {
                    endpoints.InboundTls = true;
                    InboundTls.Configure(endpoints.Inbound);
                }
            }
        });

        builder.Services.AddSingleton(status);
        builder.Services.AddSingleton(endpoints);
        builder.Services.AddMeshHealSidecar(builder.Configuration);
        return builder;
    }

    /// <summary>Maps the admin listener and the proxy pipeline.</summary>
    public static WebApplication UseMeshHealSidecar(this WebApplication app)
    {
        // Run the options' start-up validation now (building the app already read the listeners' options): a bad
        // setting stops start-up here rather than at the first request.
        app.Services.GetRequiredService<IStartupValidator>().Validate();

        // Read the policy now, so that an invalid one stops start-up instead of the first request; then the last
        // control-plane policy accepted, which stands until the control plane answers.
        _ = app.Services.GetRequiredService<PolicyMonitor>();
        app.Services.GetRequiredService<ControlPlaneStatus>().Configured = app.Services.GetRequiredService<ControlPlaneConnection>().Configured;
        app.Services.GetRequiredService<PolicySnapshotApplier>().LoadLastKnownGood();
        var endpoints = app.Services.GetRequiredService<SidecarEndpoints>();
        var options = app.Services.GetRequiredService<IOptions<SidecarOptions>>().Value;
        var service = options.Service;
        app.Lifetime.ApplicationStarted.Register(() => LogListening(
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SidecarHost).FullName!),
            service, endpoints.ProxyUri, endpoints.Http2ProxyUri?.ToString() ?? "none", endpoints.AdminUri, endpoints.InboundUri?.ToString() ?? "none"));
        app.MapWhen(
            context => context.Connection.LocalPort == endpoints.AdminPort,
            admin =>
            {
                admin.UseOpenTelemetryPrometheusScrapingEndpoint();
                admin.Run(AdminEndpoints.HandleAsync);
            });
        if (endpoints.Inbound is not null)
        {
            var forwarder = app.Services.GetRequiredService<DirectForwarder>();
            var target = options.InboundTarget!.TrimEnd('/');
            app.MapWhen(
                context => context.Connection.LocalPort == endpoints.InboundPort,
                inbound => inbound.Run(context =>
                {
                    InboundTls.SetPeerIdentity(context);
                    var prefix = context.Features.Get<InboundTargetFeature>()?.Prefix ?? target;
                    return forwarder.ForwardAsync(context, prefix, DirectForwarder.InboundLabel);
                }));
        }

        app.UseRouting();
        if (options.Interception.Enabled)
        {
            app.UseMiddleware<PassThroughMiddleware>();
        }

        app.MapReverseProxy(proxy =>
        {
            proxy.UseMiddleware<ResilienceMiddleware>();
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }

    private static void AddGuardedConfigFile(IConfigurationBuilder configuration, string path, ConfigReloadStatus status)
    {
        if (!File.Exists(path))
        {
            throw new SidecarConfigurationException([new PolicyError("--config", $"file '{path}' does not exist")]);
        }

        // Above appsettings*.json, below environment variables and the command line.
        var sources = configuration.Sources;
        var index = 0;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is JsonConfigurationSource)
            {
                index = i + 1;
            }
        }

        sources.Insert(index, new GuardedJsonConfigurationSource(path, status));
    }

    /// <summary>Reports a failed options validation as <see cref="SidecarConfigurationException"/>, whose message the
    /// process prints before it exits with code 2.</summary>
    private static T WithConfigurationErrors<T>(Func<T> build)
    {
        try
        {
            return build();
        }
        catch (OptionsValidationException ex)
        {
            throw new SidecarConfigurationException(ToErrors(ex.Failures));
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
        {
            throw new SidecarConfigurationException(ToErrors(ex.InnerExceptions.OfType<OptionsValidationException>().SelectMany(e => e.Failures)));
        }
        catch (InvalidOperationException ex) when (ConversionError(ex) is { } error)
        {
            throw new SidecarConfigurationException([error]);
        }
    }

    /// <summary>The configuration binder's "Failed to convert configuration value 'v' at 'path' to type 't'." as a
    /// setting error, which otherwise ends start-up with a stack trace and no accepted values.</summary>
    private static PolicyError? ConversionError(InvalidOperationException ex)
    {
        const string Value = "Failed to convert configuration value '", At = "' at '", To = "' to type '";
        var message = ex.Message;
        if (ex.InnerException is not FormatException || !message.StartsWith(Value, StringComparison.Ordinal))
        {
            return null;
        }

        var at = message.LastIndexOf(At, StringComparison.Ordinal);
        var to = message.LastIndexOf(To, StringComparison.Ordinal);
        if (at < Value.Length || to < at)
        {
            return null;
        }

        var value = message[Value.Length..at];
        var path = message[(at + At.Length)..to];
        var type = message[(to + To.Length)..].TrimEnd('.', '\'');
        var accepted = type switch
        {
            "System.Boolean" => "true or false",
            "System.TimeSpan" => "a duration such as 00:00:05",
            "System.Int32" or "System.Int64" or "System.Double" or "System.Nullable`1[System.Int32]" => "a number",
            _ => "a value of type " + type,
        };
        return new PolicyError(path, $"'{value}' is not {(type == "System.Boolean" ? "a boolean" : "readable")}; accepted: {accepted}");
    }

    // The validators write each failure as PolicyError.ToString(): "Field: message".
    private static List<PolicyError> ToErrors(IEnumerable<string> failures) => failures
        .Select(f => f.IndexOf(": ", StringComparison.Ordinal) is var at and > 0 ? new PolicyError(f[..at], f[(at + 2)..]) : new PolicyError("Sidecar", f))
        .ToList();

    private static ListenOptions Listen(KestrelServerOptions kestrel, ListenAddress binding, HttpProtocols protocols)
    {
        ListenOptions? listen = null;
        void Configure(ListenOptions options)
        {
            options.Protocols = protocols;
            listen = options;
        }

        if (binding.Address is null)
        {
            kestrel.ListenAnyIP(binding.Port, Configure);
        }
        else
        {
            kestrel.Listen(binding.Address, binding.Port, Configure);
        }

        return listen!;
    }

    // Ports chosen by the OS (port 0) are known only here; scripts and the chaos harness read this line.
    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Sidecar of {Service} listening: proxy {Proxy} h2c {Http2Proxy} admin {Admin} inbound {Inbound}")]
    private static partial void LogListening(ILogger logger, string service, Uri proxy, string http2Proxy, Uri admin, string inbound);
}
