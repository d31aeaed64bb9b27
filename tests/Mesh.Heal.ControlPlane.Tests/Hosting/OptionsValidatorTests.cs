using Mesh.Heal.ControlPlane.Auth;
using Mesh.Heal.ControlPlane.Auth.Internal;
using Mesh.Heal.ControlPlane.Capacity;
using Mesh.Heal.ControlPlane.Capacity.Internal;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Healing.Internal;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Hosting.Internal;
using Mesh.Heal.ControlPlane.Logs;
using Mesh.Heal.ControlPlane.Logs.Internal;
using Mesh.Heal.ControlPlane.Resources;
using Mesh.Heal.ControlPlane.Resources.Internal;
using Microsoft.Extensions.Configuration;

namespace Mesh.Heal.ControlPlane.Tests.Hosting;

/// <summary>The per-feature validators: every error names the full setting and the accepted values.</summary>
public class OptionsValidatorTests
{
    [Fact]
    public void Defaults_AreValid_WithoutTokens()
    {
        Assert.Empty(ControlPlaneOptionsValidator.Check(new ControlPlaneOptions(), new TlsOptions(), anyTokens: false).Errors);
        Assert.Empty(AuthOptionsValidator.Check(new AuthOptions(), new KubernetesOptions()).Errors);
        Assert.True(new LimitOptionsValidator().Validate(null, new LimitOptions()).Succeeded);
        Assert.Empty(HealingOptionsValidator.Check(new HealingOptions()).Errors);
        Assert.Empty(AgentOptionsValidator.Check(new AgentOptions()).Errors);
        Assert.Empty(ResourceOptionsValidator.Check(new ResourceOptions(), new KubernetesOptions()).Errors);
        Assert.Empty(CapacityOptionsValidator.Check(new CapacityOptions()).Errors);
        Assert.Empty(LogOptionsValidator.Check(new LogOptions(), new KubernetesOptions()).Errors);
        Assert.True(new KubernetesOptionsValidator().Validate(null, new KubernetesOptions()).Succeeded);
    }

    [Theory]
    [InlineData("GrpcUrl", "http://*:15010", false, "listens beyond loopback but no tokens are configured")]
    [InlineData("GrpcUrl", "http://10.0.0.1:15010", false, "listens beyond loopback")]
    [InlineData("GrpcUrl", "ftp://127.0.0.1:1", true, "is not a listen address; accepted: http://IP:port or https://IP:port")]
    [InlineData("GrpcUrl", "http://127.0.0.1", true, "is not a listen address")]
    [InlineData("HttpUrl", "ftp://127.0.0.1:15080", true, "ControlPlane:HttpUrl: 'ftp://127.0.0.1:15080' is not a listen address; accepted: http://IP:port or https://IP:port")]
    [InlineData("HttpUrl", "https://127.0.0.1:15080", true, "ControlPlane:Tls:CertificatePath: is empty but ControlPlane:HttpUrl is https://")]
    [InlineData("HttpUrl", "http://127.0.0.1:15010", true, "is the gRPC port too")]
    [InlineData("GrpcUrl", "https://127.0.0.1:15010", true, "ControlPlane:Tls:CertificatePath")]
    public void Validate_BadListener_NamesTheSetting(string key, string value, bool tokens, string message)
    {
        var options = new ControlPlaneOptions();
        typeof(ControlPlaneOptions).GetProperty(key)!.SetValue(options, value);

        var errors = ControlPlaneOptionsValidator.Check(options, new TlsOptions(), tokens).Errors;

        Assert.Contains(errors, e => e.ToString().Contains(message));
    }

    [Fact]
    public void Validate_AnyAddress_WithTokens_IsAccepted() => Assert.Empty(ControlPlaneOptionsValidator.Check(
        new ControlPlaneOptions { GrpcUrl = "http://*:15010", HttpUrl = "http://0.0.0.0:15080" }, new TlsOptions(), anyTokens: true).Errors);

    [Fact]
    public void Validate_Limits_NameTheRange()
    {
        var limits = new LimitOptions { MaxReportsPerSecond = 0, MaxCountPerReport = 0, MaxReportClockSkew = TimeSpan.FromDays(2) };

        var errors = Errors(new LimitOptionsValidator().Validate(null, limits).Failures);
        var host = ControlPlaneOptionsValidator.Check(new ControlPlaneOptions { PushDebounce = TimeSpan.FromMinutes(1) }, new TlsOptions(), anyTokens: false).Errors;

        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Limits:MaxReportsPerSecond: ", StringComparison.Ordinal) && e.Contains("accepted: 1 to 1000"));
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Limits:MaxCountPerReport: ", StringComparison.Ordinal) && e.Contains("accepted: 1 to 1000000000000"));
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Limits:MaxReportClockSkew: ", StringComparison.Ordinal) && e.Contains("accepted: 00:00:01 to 1.00:00:00"));
        Assert.Contains(host, e => e.Field == "ControlPlane:PushDebounce" && e.Message == "00:01:00 is out of range; accepted: 00:00:00 to 00:00:10");
    }

    [Fact]
    public void Validate_IdentityLimitsAndServiceAccounts_NameTheSettingAndTheRange()
    {
        var limits = new LimitOptions { MaxInstances = 0, InstanceTtl = TimeSpan.FromMinutes(1) };
        var auth = new AuthOptions();
        auth.ServiceAccounts.Enabled = true;
        auth.ServiceAccounts.CacheTtl = TimeSpan.FromHours(1);
        auth.ServiceAccounts.MaxConcurrentReviews = 0;
        auth.ServiceAccounts.Services["orders"] = "orders";
        auth.ServiceAccounts.Services["shop/orders"] = "Orders!";

        var errors = Errors(new LimitOptionsValidator().Validate(null, limits).Failures)
            .Concat(AuthOptionsValidator.Check(auth, new KubernetesOptions()).Errors.Select(e => $"{e.Field}: {e.Message}")).ToList();

        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Limits:MaxInstances: 0 is out of range; accepted: 1 to 1000000", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Limits:InstanceTtl: 00:01:00 is out of range; accepted: 00:05:00 to 1.00:00:00", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Auth:ServiceAccounts:CacheTtl: 01:00:00 is out of range; accepted: 00:00:01 to 00:10:00", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Auth:ServiceAccounts:MaxConcurrentReviews: 0 is out of range; accepted: 1 to 256", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Auth:ServiceAccounts:Enabled: is true but no API server is set", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Auth:ServiceAccounts:Services:orders: is not a service account; accepted: <namespace>/<name>", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Auth:ServiceAccounts:Services:shop/orders: 'Orders!' is not a service name", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_ServiceAccountsOff_SkipsTheirRanges()
    {
        var auth = new AuthOptions { ServiceAccounts = { CacheTtl = TimeSpan.FromHours(1), ReviewTimeout = TimeSpan.Zero } };

        Assert.Empty(AuthOptionsValidator.Check(auth, new KubernetesOptions()).Errors);
        auth.ServiceAccounts.Enabled = true;
        Assert.Contains(AuthOptionsValidator.Check(auth, new KubernetesOptions { InCluster = true }).Errors,
            e => e.ToString() == "ControlPlane:Auth:ServiceAccounts:ReviewTimeout: 00:00:00 is out of range; accepted: 00:00:00.1000000 to 00:00:30");
    }

    [Fact]
    public void Validate_PolicyDocumentLimits_NameTheRange()
    {
        var limits = new LimitOptions { MaxPolicyDepth = 1000, MaxPolicyNodes = 10, MaxPolicyAliases = -1, MaxPolicyExpandedChars = int.MaxValue };

        var errors = Errors(new LimitOptionsValidator().Validate(null, limits).Failures);

        Assert.Contains("ControlPlane:Limits:MaxPolicyDepth: 1000 is out of range; accepted: 8 to 256", errors);
        Assert.Contains("ControlPlane:Limits:MaxPolicyNodes: 10 is out of range; accepted: 100 to 1000000", errors);
        Assert.Contains("ControlPlane:Limits:MaxPolicyAliases: -1 is out of range; accepted: 0 to 10000", errors);
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Limits:MaxPolicyExpandedChars: 2147483647 is out of range", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_Logs_NameTheSettingAndWhatIsAccepted()
    {
        var logs = new LogOptions { MaxBatchLines = 0 };
        logs.Services["orders"] = new ServiceLogOptions
        {
            Kubernetes = new PodLogOptions { Selector = "" },
            Repository = new RepositoryOptions
            {
                Path = "/nowhere", Url = "https://example.com/shop.git",
                GitHub = new GitHubOptions { Owner = "shop" },
            },
        };
        logs.Services["b"] = new ServiceLogOptions
        {
            Repository = new RepositoryOptions { Path = System.IO.Path.GetTempPath(), GitHub = new() { Owner = "o", Repository = "r", Token = "t" } },
        };
        var agents = new AgentOptions();
        agents.BugFixer.BranchPrefix = "";

        var errors = LogOptionsValidator.Check(logs, new KubernetesOptions()).Errors.Concat(AgentOptionsValidator.Check(agents).Errors)
            .Select(e => $"{e.Field}: {e.Message}").ToList();

        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Logs:MaxBatchLines: 0 is out of range; accepted: 1 to 100000", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Logs:Services:orders:Kubernetes:Selector: is empty", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Logs:Services:orders:Kubernetes: needs ControlPlane:Kubernetes:Server", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Logs:Services:orders:Repository: needs exactly one of Path and Url", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Logs:Services:orders:Repository:GitHub: needs Owner and Repository", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Logs:Services:orders:Repository:GitHub:Token: is empty", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Logs:Services:b:Repository:Path:", StringComparison.Ordinal) && e.Contains("is not a git repository", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Logs:Services:b:Repository:Remote: is empty but GitHub is set", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Agents:BugFixer:BranchPrefix:", StringComparison.Ordinal));
    }

    [Fact]
    public void Bind_CapacityHorizons_ReplaceTheDefaultsRatherThanAddToThem()
    {
        // The configuration binder appends to an array's initial elements; the 30/60/90-day defaults must not survive a setting.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ControlPlane:Capacity:Services:b:Planner:Horizons:0"] = "00:00:20",
            ["ControlPlane:Capacity:Services:b:Planner:Horizons:1"] = "00:01:00",
            ["ControlPlane:Capacity:Services:b:Planner:Forecast:DampingPerDay:0"] = "0.5",
        }).Build();
        var options = new CapacityOptions();

        ConfigurationBinder.Bind(configuration.GetSection(ControlPlaneSections.Capacity), options);

        var planner = options.Services["b"].Planner;
        Assert.Equal([TimeSpan.FromSeconds(20), TimeSpan.FromMinutes(1)], planner.EffectiveHorizons);
        Assert.Equal([0.5], planner.Forecast.EffectiveDampingPerDay);
        Assert.Equal([TimeSpan.FromDays(30), TimeSpan.FromDays(60), TimeSpan.FromDays(90)], new Agents.Capacity.CapacityPlannerOptions().EffectiveHorizons);
    }

    [Fact]
    public void Validate_CapacityHorizonTooManyStepsOfTheResolution_NamesIt()
    {
        var capacity = new CapacityOptions { Resolution = TimeSpan.FromSeconds(1) };
        capacity.Services["b"] = new ServiceCapacityOptions();

        var errors = CapacityOptionsValidator.Check(capacity).Errors;

        Assert.Contains(errors, e => e.Field == "ControlPlane:Capacity:Services:b:Planner:Horizons" && e.Message.Contains("more than 200000 steps"));
    }

    [Fact]
    public void Validate_CapacitySaturationTargetAndUpperMissOutOfRange_NameThem()
    {
        var capacity = new CapacityOptions();
        capacity.Services["b"] = new ServiceCapacityOptions();
        capacity.Services["b"].Planner.SaturationTarget = 0;
        capacity.Services["b"].Planner.Forecast.UpperMiss = 0.1;

        var errors = CapacityOptionsValidator.Check(capacity).Errors;

        Assert.Contains(errors, e => e.Field == "ControlPlane:Capacity:Services:b:Planner:SaturationTarget" && e.Message.Contains("above 0 and at most 0.5"));
        Assert.Contains(errors, e => e.Field == "ControlPlane:Capacity:Services:b:Planner:Forecast" && e.Message.Contains("UpperMiss 0.1"));
        Assert.DoesNotContain(CapacityOptionsValidator.Check(new CapacityOptions { Services = { ["b"] = new ServiceCapacityOptions() } }).Errors,
            e => e.Field.StartsWith("ControlPlane:Capacity:Services:b:Planner", StringComparison.Ordinal));
    }

    private static List<string> Errors(IEnumerable<string>? failures) => [.. failures ?? []];
}
