using System.Net;
using Mesh.Heal.Policy;
using Mesh.Heal.Sidecar.Admin.Internal;
using Mesh.Heal.Sidecar.Configuration;
using Mesh.Heal.Sidecar.Configuration.Internal;
using Mesh.Heal.Sidecar.PolicySync;
using Mesh.Heal.Sidecar.PolicySync.Internal;
using Mesh.Heal.Sidecar.Resilience.Internal;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration.Json;
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
        var app = builder.Build();
        app.UseMeshHealSidecar();
        return app;
    }

    /// <summary>Adds the configuration file, the listeners and the services of the sidecar.</summary>
    public static WebApplicationBuilder AddMeshHealSidecar(this WebApplicationBuilder builder)
    {
        var status = new ConfigReloadStatus();
        if (builder.Configuration["config"] is { Length: > 0 } configPath)
        {
            AddGuardedConfigFile(builder.Configuration, Path.GetFullPath(configPath), status);
        }

        var options = ReadOptions(builder.Configuration.GetSection(SidecarOptions.SectionName));
        var endpoints = new SidecarEndpoints();
        var proxyBinding = ParseBinding(options.ListenUrl, "Sidecar:ListenUrl");
        var adminBinding = ParseBinding(options.AdminUrl, "Sidecar:AdminUrl");
        var http2Binding = string.IsNullOrWhiteSpace(options.Http2ListenUrl)
            ? ((IPAddress?, int)?)null
            : ParseBinding(options.Http2ListenUrl, "Sidecar:Http2ListenUrl");
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.RequestHeadersTimeout = options.CallerRequestHeadersTimeout;
            kestrel.Limits.MinRequestBodyDataRate = options.CallerMinRequestBodyBytesPerSecond == 0
                ? null
                : new MinDataRate(options.CallerMinRequestBodyBytesPerSecond, options.CallerMinRequestBodyGracePeriod);
            endpoints.Proxy = Listen(kestrel, proxyBinding, HttpProtocols.Http1);
            endpoints.Admin = Listen(kestrel, adminBinding, HttpProtocols.Http1);
            if (http2Binding is { } h2)
            {
                endpoints.Http2Proxy = Listen(kestrel, h2, HttpProtocols.Http2);
            }
        });

        builder.Services.AddSingleton(status);
        builder.Services.AddSingleton(endpoints);
        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddMeshHealSidecar(builder.Configuration);
        return builder;
    }

    /// <summary>Maps the admin listener and the proxy pipeline.</summary>
    public static WebApplication UseMeshHealSidecar(this WebApplication app)
    {
        // Read the policy now, so that an invalid one stops start-up instead of the first request; then the last
        // control-plane policy accepted, which stands until the control plane answers.
        _ = app.Services.GetRequiredService<PolicyMonitor>();
        app.Services.GetRequiredService<ControlPlaneStatus>().Configured = app.Services.GetRequiredService<ControlPlaneConnection>().Configured;
        app.Services.GetRequiredService<PolicySnapshotApplier>().LoadLastKnownGood();
        var endpoints = app.Services.GetRequiredService<SidecarEndpoints>();
        var service = app.Services.GetRequiredService<IOptions<SidecarOptions>>().Value.Service;
        app.Lifetime.ApplicationStarted.Register(() => LogListening(
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SidecarHost).FullName!),
            service, endpoints.ProxyUri, endpoints.Http2ProxyUri?.ToString() ?? "none", endpoints.AdminUri));
        app.MapWhen(
            context => context.Connection.LocalPort == endpoints.AdminPort,
            admin =>
            {
                admin.UseOpenTelemetryPrometheusScrapingEndpoint();
                admin.Run(AdminEndpoints.HandleAsync);
            });
        app.UseRouting();
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

    private static SidecarOptions ReadOptions(IConfigurationSection section)
    {
        var options = new SidecarOptions();
        section.Bind(options);
        var errors = new List<PolicyError>();
        if (string.IsNullOrWhiteSpace(options.Service))
        {
            errors.Add(new PolicyError("Sidecar:Service", "is empty; accepted: the service's name, such as orders"));
        }

        if (options.ControlPlaneUrl is { Length: > 0 } url
            && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add(new PolicyError("Sidecar:ControlPlaneUrl", $"'{url}' is not a control plane address; accepted: http://host:port or https://host:port"));
        }

        if (options.ControlPlaneCertificateAuthority is { Length: > 0 } ca)
        {
            const string Field = "Sidecar:ControlPlaneCertificateAuthority";
            if (!Uri.TryCreate(options.ControlPlaneUrl, UriKind.Absolute, out var https) || https.Scheme != Uri.UriSchemeHttps)
            {
                errors.Add(new PolicyError(Field, "is set but Sidecar:ControlPlaneUrl is not https://; accepted: an https:// control plane address, or no certificate authority"));
            }
            else if (ControlPlaneConnection.LoadRoots(ca) is { Error: { } error })
            {
                errors.Add(new PolicyError(Field, $"'{ca}': {error}; accepted: a PEM file with one or more CA certificates"));
            }
        }

        if (options.ControlPlaneToken is { Length: > 0 } token && token.StartsWith("file:", StringComparison.Ordinal)
            && ControlPlaneConnection.ReadToken(token["file:".Length..]).Length == 0)
        {
            errors.Add(new PolicyError("Sidecar:ControlPlaneToken", $"'{token}' names a file that cannot be read or is empty; accepted: a token, or file:/path of a file holding one"));
        }

        if (options.TelemetryInterval < TimeSpan.FromMilliseconds(100) || options.TelemetryInterval > TimeSpan.FromMinutes(1))
        {
            errors.Add(new PolicyError("Sidecar:TelemetryInterval", $"{options.TelemetryInterval:c} is out of range; accepted: 00:00:00.1 to 00:01:00"));
        }

        CheckCallerTimeout(options.CallerRequestHeadersTimeout, "Sidecar:CallerRequestHeadersTimeout", errors);
        if (options.CallerMinRequestBodyGracePeriod < SidecarConstants.MinCallerBodyGracePeriod || options.CallerMinRequestBodyGracePeriod > SidecarConstants.MaxCallerTimeout)
        {
            // Kestrel refuses a grace period of one second or less.
            errors.Add(new PolicyError("Sidecar:CallerMinRequestBodyGracePeriod",
                $"{options.CallerMinRequestBodyGracePeriod:c} is out of range; accepted: 00:00:02 to 00:05:00"));
        }
        if (!(options.CallerMinRequestBodyBytesPerSecond >= 0 && options.CallerMinRequestBodyBytesPerSecond <= SidecarConstants.MaxCallerMinRequestBodyBytesPerSecond))
        {
            errors.Add(new PolicyError("Sidecar:CallerMinRequestBodyBytesPerSecond",
                $"{options.CallerMinRequestBodyBytesPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture)} is out of range; accepted: 0 (no minimum) to 1048576"));
        }

        if (string.IsNullOrWhiteSpace(options.Instance))
        {
            errors.Add(new PolicyError("Sidecar:Instance", "is empty; accepted: a name unique per sidecar, such as the pod name"));
        }

        return errors.Count == 0 ? options : throw new SidecarConfigurationException(errors);
    }

    private static void CheckCallerTimeout(TimeSpan value, string field, List<PolicyError> errors)
    {
        if (value < SidecarConstants.MinCallerTimeout || value > SidecarConstants.MaxCallerTimeout)
        {
            errors.Add(new PolicyError(field, $"{value:c} is out of range; accepted: 00:00:01 to 00:05:00"));
        }
    }

    private static (IPAddress? Address, int Port) ParseBinding(string url, string field)
    {
        BindingAddress binding;
        try
        {
            binding = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            throw Invalid();
        }

        if (!string.Equals(binding.Scheme, "http", StringComparison.OrdinalIgnoreCase) || binding.Port is < 0 or > 65535
            || (binding.PathBase is { Length: > 0 } && binding.PathBase != "/"))
        {
            throw Invalid();
        }

        if (binding.Host is "*" or "+" or "0.0.0.0")
        {
            return (null, binding.Port);
        }

        if (string.Equals(binding.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return (IPAddress.Loopback, binding.Port);
        }

        return IPAddress.TryParse(binding.Host.Trim('[', ']'), out var address) ? (address, binding.Port) : throw Invalid();

        SidecarConfigurationException Invalid() => new([new PolicyError(field,
            $"'{url}' is not a listen address; accepted: http://IP:port, http://localhost:port or http://*:port (port 0 for any free port)")]);
    }

    private static ListenOptions Listen(KestrelServerOptions kestrel, (IPAddress? Address, int Port) binding, HttpProtocols protocols)
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
    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Sidecar of {Service} listening: proxy {Proxy} h2c {Http2Proxy} admin {Admin}")]
    private static partial void LogListening(ILogger logger, string service, Uri proxy, string http2Proxy, Uri admin);
}
