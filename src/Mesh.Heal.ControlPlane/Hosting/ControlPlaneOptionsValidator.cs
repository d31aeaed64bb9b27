using System.Net;
using Mesh.Heal.ControlPlane.Resources;
using Mesh.Heal.Healing;
using Mesh.Heal.Policy;

namespace Mesh.Heal.ControlPlane.Hosting;

/// <summary>Checks the control plane's settings at start-up; every error names the setting and the accepted values.</summary>
internal static partial class ControlPlaneOptionsValidator
{
    public static IReadOnlyList<PolicyError> Validate(ControlPlaneOptions options, bool anyTokens)
    {
        var errors = new List<PolicyError>();
        var grpc = Listen(options.GrpcUrl, "ControlPlane:GrpcUrl", allowHttps: true, errors);
        var http = Listen(options.HttpUrl, "ControlPlane:HttpUrl", allowHttps: false, errors);
        if (grpc is { } g && http is { } h && g.Port != 0 && g.Port == h.Port)
        {
            errors.Add(new("ControlPlane:HttpUrl", $"port {h.Port} is the gRPC port too; accepted: another port"));
        }

        if (grpc is { Https: true } && string.IsNullOrWhiteSpace(options.Tls.CertificatePath))
        {
            errors.Add(new("ControlPlane:Tls:CertificatePath", "is empty but ControlPlane:GrpcUrl is https://; accepted: a PEM certificate file"));
        }

        if (!anyTokens)
        {
            foreach (var (listen, field) in new[] { (grpc, "ControlPlane:GrpcUrl"), (http, "ControlPlane:HttpUrl") })
            {
                if (listen is { Address: var address } && (address is null || !IPAddress.IsLoopback(address)))
                {
                    errors.Add(new(field,
                        "listens beyond loopback but no tokens are configured; accepted: a loopback address (127.0.0.1, [::1], localhost), " +
                        "or set ControlPlane:Auth:AdminTokens, ReaderTokens and ServiceTokens (or ServiceAccounts)"));
                }
            }
        }

        if (string.IsNullOrWhiteSpace(options.StorePath))
        {
            errors.Add(new("ControlPlane:StorePath", "is empty; accepted: a file path such as /var/lib/meshheal/controlplane.db"));
        }

        if (options.PolicyDirectory is { Length: > 0 } dir && !Directory.Exists(dir))
        {
            errors.Add(new("ControlPlane:PolicyDirectory", $"'{dir}' does not exist; accepted: an existing directory, or empty for none"));
        }

        if (options.PushDebounce < TimeSpan.Zero || options.PushDebounce > TimeSpan.FromSeconds(10))
        {
            errors.Add(new("ControlPlane:PushDebounce", $"{options.PushDebounce:c} is out of range; accepted: 00:00:00 to 00:00:10"));
        }

        var limits = options.Limits;
        Range("ControlPlane:Limits:MaxMessageBytes", limits.MaxMessageBytes, 4096, 64 * 1024 * 1024);
        Range("ControlPlane:Limits:MaxPolicyBytes", limits.MaxPolicyBytes, 1024, 4 * 1024 * 1024);
        Range("ControlPlane:Limits:MaxPolicyDepth", limits.MaxPolicyDepth, 8, 256);
        Range("ControlPlane:Limits:MaxPolicyNodes", limits.MaxPolicyNodes, 100, 1_000_000);
        Range("ControlPlane:Limits:MaxPolicyAliases", limits.MaxPolicyAliases, 0, 10_000);
        Range("ControlPlane:Limits:MaxPolicyExpandedChars", limits.MaxPolicyExpandedChars, 64 * 1024, 64 * 1024 * 1024);
        Range("ControlPlane:Limits:MaxReportsPerSecond", limits.MaxReportsPerSecond, 1, 1000);
        Range("ControlPlane:Limits:MaxClustersPerReport", limits.MaxClustersPerReport, 1, 10_000);
        Range("ControlPlane:Limits:MaxInstances", limits.MaxInstances, 1, 1_000_000);
        Duration("ControlPlane:Limits:InstanceTtl", limits.InstanceTtl, TimeSpan.FromMinutes(5), TimeSpan.FromDays(1));
        Range("ControlPlane:Limits:MaxCountPerReport", limits.MaxCountPerReport, 1, 1_000_000_000_000);
        Duration("ControlPlane:Limits:MaxReportClockSkew", limits.MaxReportClockSkew, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        Range("ControlPlane:Limits:MaxMetricLabelValues", limits.MaxMetricLabelValues, 1, 10_000);
        var accounts = options.Auth.ServiceAccounts;
        if (accounts.Enabled)
        {
            Duration("ControlPlane:Auth:ServiceAccounts:CacheTtl", accounts.CacheTtl, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
            Duration("ControlPlane:Auth:ServiceAccounts:NegativeCacheTtl", accounts.NegativeCacheTtl, TimeSpan.Zero, TimeSpan.FromMinutes(1));
            Duration("ControlPlane:Auth:ServiceAccounts:ReviewTimeout", accounts.ReviewTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30));
            Range("ControlPlane:Auth:ServiceAccounts:MaxCacheEntries", accounts.MaxCacheEntries, 100, 1_000_000);
            Range("ControlPlane:Auth:ServiceAccounts:MaxConcurrentReviews", accounts.MaxConcurrentReviews, 1, 256);
            if (!options.Kubernetes.InCluster && string.IsNullOrEmpty(options.Kubernetes.Server))
            {
                errors.Add(new("ControlPlane:Auth:ServiceAccounts:Enabled", "is true but no API server is set; accepted: ControlPlane:Kubernetes:Server, or ControlPlane:Kubernetes:InCluster true"));
            }

            foreach (var (account, service) in accounts.Services)
            {
                if (account.Split('/') is not [{ Length: > 0 }, { Length: > 0 }])
                {
                    errors.Add(new("ControlPlane:Auth:ServiceAccounts:Services:" + account, "is not a service account; accepted: <namespace>/<name>"));
                }
                else if (!Policies.PolicyDocument.IsServiceName(service))
                {
                    errors.Add(new("ControlPlane:Auth:ServiceAccounts:Services:" + account, $"'{service}' is not a service name; accepted: {Policies.PolicyDocument.ServiceNameRule}"));
                }
            }
        }

        var healing = options.Healing;
        Duration("ControlPlane:Healing:Interval", healing.Interval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10));
        Duration("ControlPlane:Healing:AgentBudget", healing.AgentBudget, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1));
        Duration("ControlPlane:Healing:LiveWindow", healing.LiveWindow, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(4));
        Duration("ControlPlane:Healing:VerificationWindow", healing.VerificationWindow, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2));
        Duration("ControlPlane:Healing:VerificationSettle", healing.VerificationSettle, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        Duration("ControlPlane:Healing:ResolveAfter", healing.ResolveAfter, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        Duration("ControlPlane:Healing:Cooldown", healing.Cooldown, TimeSpan.Zero, TimeSpan.FromDays(1));
        Duration("ControlPlane:Healing:History", healing.History, TimeSpan.Zero, TimeSpan.FromHours(1));
        if (!(healing.WorseMargin is >= 0 and <= 1))
        {
            errors.Add(new("ControlPlane:Healing:WorseMargin", $"{healing.WorseMargin} is out of range; accepted: 0 to 1"));
        }

        var cb = options.Agents.CircuitBreaker;
        Range("ControlPlane:Agents:CircuitBreaker:MinimumAttempts", cb.MinimumAttempts, 1, 1_000_000);
        foreach (var (field, value) in new[]
        {
            ("FailingRatio", cb.FailingRatio), ("DegradedRatio", cb.DegradedRatio), ("Quorum", cb.Quorum), ("ActionRisk", cb.ActionRisk),
            ("TransitiveDecay", cb.TransitiveDecay), ("TightenShare", cb.TightenShare),
        })
        {
            if (!(value is > 0 and <= 1))
            {
                errors.Add(new("ControlPlane:Agents:CircuitBreaker:" + field, $"{value} is out of range; accepted: above 0, at most 1"));
            }
        }

        Duration("ControlPlane:Agents:CircuitBreaker:MinimumHold", cb.MinimumHold, TimeSpan.FromSeconds(1), cb.MaximumHold);
        if (healing.AutoApplyRisk > ActionRisk.Medium)
        {
            errors.Add(new("ControlPlane:Healing:AutoApplyRisk", $"{healing.AutoApplyRisk} is not accepted; accepted: Low, Medium (high-risk actions always wait for approval)"));
        }

        var agent = options.Agents.Resources;
        Duration("ControlPlane:Agents:Resources:CleanupLead", agent.CleanupLead, TimeSpan.Zero, TimeSpan.FromDays(30));
        if (!(agent.AnomalyThreshold is > 0 and <= 1) || !(agent.AnomalyWarning is > 0 and <= 1))
        {
            errors.Add(new("ControlPlane:Agents:Resources:AnomalyThreshold", $"{agent.AnomalyThreshold} / {agent.AnomalyWarning} is out of range; accepted: above 0, at most 1"));
        }

        var resources = options.Resources;
        Duration("ControlPlane:Resources:Lookback", resources.Lookback, TimeSpan.FromMinutes(1), TimeSpan.FromDays(30));
        Duration("ControlPlane:Resources:Step", resources.Step, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        Duration("ControlPlane:Resources:Refresh", resources.Refresh, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        Url("ControlPlane:Resources:Prometheus", resources.Prometheus);
        foreach (var (service, settings) in resources.Services)
        {
            var prefix = $"ControlPlane:Resources:Services:{service}";
            Url(prefix + ":Prometheus", settings.Prometheus);
            foreach (var (name, query) in settings.Queries)
            {
                if (string.IsNullOrWhiteSpace(query.Query))
                {
                    errors.Add(new($"{prefix}:Queries:{name}:Query", "is empty; accepted: a PromQL expression, {selector} standing for the service's selector"));
                }
            }

            if (settings.Cleanup is { } cleanup)
            {
                if (!CleanupOptions.Methods.Contains(cleanup.Method))
                {
                    errors.Add(new(prefix + ":Cleanup:Method", $"'{cleanup.Method}' is not accepted; accepted: {string.Join(", ", CleanupOptions.Methods)}"));
                }
                else if (cleanup.Method == "webhook" && !Uri.TryCreate(cleanup.Url?.Replace("{", string.Empty, StringComparison.Ordinal).Replace("}", string.Empty, StringComparison.Ordinal), UriKind.Absolute, out _))
                {
                    errors.Add(new(prefix + ":Cleanup:Url", $"'{cleanup.Url}' is not accepted; accepted: an http:// or https:// URL ({{instance}}, {{service}}, {{resource}} are replaced)"));
                }
                else if (cleanup.Method == "command" && cleanup.Command.Length == 0)
                {
                    errors.Add(new(prefix + ":Cleanup:Command", "is empty; accepted: a program and its arguments"));
                }
                else if (cleanup.Method == "kubernetes" && !options.Kubernetes.InCluster && string.IsNullOrEmpty(options.Kubernetes.Server))
                {
                    errors.Add(new(prefix + ":Cleanup:Method", "kubernetes needs ControlPlane:Kubernetes:Server or ControlPlane:Kubernetes:InCluster true"));
                }

                Duration(prefix + ":Cleanup:Timeout", cleanup.Timeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
            }
        }

        var capacity = options.Capacity;
        Duration("ControlPlane:Capacity:Lookback", capacity.Lookback, TimeSpan.FromMinutes(1), TimeSpan.FromDays(400));
        Duration("ControlPlane:Capacity:ScalingLookback", capacity.ScalingLookback, TimeSpan.FromMinutes(1), TimeSpan.FromDays(7));
        Duration("ControlPlane:Capacity:Refresh", capacity.Refresh, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        if (capacity.Resolution is { } step && step != TimeSpan.FromSeconds(1) && step != TimeSpan.FromMinutes(1) && step != TimeSpan.FromHours(1))
        {
            errors.Add(new("ControlPlane:Capacity:Resolution", $"{step:c} is not accepted; accepted: 00:00:01, 00:01:00 or 01:00:00 (the rollup steps), or empty for automatic"));
        }
        foreach (var (service, settings) in capacity.Services)
        {
            var prefix = $"ControlPlane:Capacity:Services:{service}";
            var planner = settings.Planner;
            if (planner.CapacityPerReplica is <= 0 || planner.LatencyObjectiveMs is <= 0)
            {
                errors.Add(new(prefix + ":Planner", "CapacityPerReplica and LatencyObjectiveMs must be above 0 when set; accepted: requests/s per replica, milliseconds"));
            }

            if (planner.Headroom is < 0 or > 10 || planner.PricePerReplicaHour < 0 || planner.PricePerCoreHour < 0 || planner.PricePerGiBHour < 0)
            {
                errors.Add(new(prefix + ":Planner", "Headroom must be 0 to 10 and the prices 0 or more; accepted: Headroom 0.2 for 20 %, prices per hour"));
            }

            if (!(planner.SaturationTarget is > 0 and <= 0.5))
            {
                errors.Add(new(prefix + ":Planner:SaturationTarget", $"{planner.SaturationTarget} is out of range; accepted: above 0 and at most 0.5 (0.01: demand may exceed the provision in 1 % of steps)"));
            }

            var forecast = planner.Forecast;
            if (!(forecast.Confidence is > 0 and < 1) || !(forecast.UpperMiss > 0) || forecast.UpperMiss > 1 - forecast.Confidence + 1e-12)
            {
                errors.Add(new(prefix + ":Planner:Forecast", $"Confidence {forecast.Confidence} with UpperMiss {forecast.UpperMiss} is not accepted; accepted: Confidence above 0 and below 1, UpperMiss above 0 and at most 1 - Confidence"));
            }

            Url(prefix + ":Prometheus", settings.Prometheus);
            Duration(prefix + ":DemandStep", settings.DemandStep, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
            if (planner.Horizons.Any(h => h <= TimeSpan.Zero))
            {
                errors.Add(new(prefix + ":Planner:Horizons", "has a duration of zero or less; accepted: positive durations, such as 30.00:00:00, or none for 30, 60 and 90 days"));
            }

            if (capacity.Resolution is { } resolution && planner.EffectiveHorizons.Max() / resolution > Agents.Forecasting.ForecastOptions.MaximumHorizonSteps)
            {
                errors.Add(new(prefix + ":Planner:Horizons", $"the longest horizon is more than {Agents.Forecasting.ForecastOptions.MaximumHorizonSteps} steps of ControlPlane:Capacity:Resolution {resolution:c}; accepted: shorter horizons or a coarser resolution"));
            }

            if (settings.Hpa is { } hpa)
            {
                if (hpa.MinReplicas < 1 || hpa.MaxReplicas < hpa.MinReplicas)
                {
                    errors.Add(new(prefix + ":Hpa:MaxReplicas", $"MinReplicas {hpa.MinReplicas} and MaxReplicas {hpa.MaxReplicas} are not accepted; accepted: 1 <= MinReplicas <= MaxReplicas"));
                }

                if (hpa.TargetUtilization is <= 0 or > 1)
                {
                    errors.Add(new(prefix + ":Hpa:TargetUtilization", $"{hpa.TargetUtilization} is out of range; accepted: above 0, at most 1"));
                }

                Duration(prefix + ":Hpa:ScaleUpStabilization", hpa.ScaleUpStabilization, TimeSpan.Zero, TimeSpan.FromHours(1));
                Duration(prefix + ":Hpa:ScaleDownStabilization", hpa.ScaleDownStabilization, TimeSpan.Zero, TimeSpan.FromHours(1));
            }
        }

        Url("ControlPlane:Kubernetes:Server", options.Kubernetes.Server);
        ValidateLogs(options, errors, Duration, Range);
        return errors;

        void Duration(string field, TimeSpan value, TimeSpan min, TimeSpan max)
        {
            if (value < min || value > max)
            {
                errors.Add(new(field, $"{value:c} is out of range; accepted: {min:c} to {max:c}"));
            }
        }

        void Url(string field, string? value)
        {
            if (value is { Length: > 0 } && !(Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            {
                errors.Add(new(field, $"'{value}' is not accepted; accepted: an http:// or https:// URL"));
            }
        }

        void Range(string field, long value, long min, long max)
        {
            if (value < min || value > max)
            {
                errors.Add(new(field, $"{value} is out of range; accepted: {min} to {max}"));
            }
        }
    }

    /// <summary>Parses a listen address: <c>http(s)://IP:port</c>, <c>localhost</c>, or <c>*</c> for every interface (Address null).</summary>
    public static (IPAddress? Address, int Port, bool Https)? Listen(string url, string field, bool allowHttps, List<PolicyError> errors)
    {
        var accepted = allowHttps
            ? "http://IP:port or https://IP:port (localhost, or * for every interface; port 0 for any free port)"
            : "http://IP:port (localhost, or * for every interface; port 0 for any free port)";
        var text = url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && !(allowHttps && uri.Scheme == Uri.UriSchemeHttps))
            || uri.AbsolutePath != "/" || (uri.IsDefaultPort && !text.Contains(":" + uri.Port, StringComparison.Ordinal)))
        {
            errors.Add(new(field, $"'{url}' is not a listen address; accepted: {accepted}"));
            return null;
        }

        IPAddress? address;
        if (uri.Host == "0.0.0.0")
        {
            address = null;
        }
        else if (uri.IsLoopback && !IPAddress.TryParse(uri.Host.Trim('[', ']'), out _))
        {
            address = IPAddress.Loopback;
        }
        else if (!IPAddress.TryParse(uri.Host.Trim('[', ']'), out address))
        {
            errors.Add(new(field, $"'{url}' is not a listen address; accepted: {accepted}"));
            return null;
        }

        return (address, uri.Port, uri.Scheme == Uri.UriSchemeHttps);
    }
}
