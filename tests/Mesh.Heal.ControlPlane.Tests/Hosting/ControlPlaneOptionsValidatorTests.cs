using Mesh.Heal.ControlPlane.Capacity;
using Mesh.Heal.ControlPlane.Hosting;
using Microsoft.Extensions.Configuration;

namespace Mesh.Heal.ControlPlane.Tests.Hosting;

public class ControlPlaneOptionsValidatorTests
{
    [Fact]
    public void Defaults_AreValid_WithoutTokens() => Assert.Empty(ControlPlaneOptionsValidator.Validate(new ControlPlaneOptions(), anyTokens: false));

    [Theory]
    [InlineData("GrpcUrl", "http://*:15010", false, "listens beyond loopback but no tokens are configured")]
    [InlineData("GrpcUrl", "http://10.0.0.1:15010", false, "listens beyond loopback")]
    [InlineData("GrpcUrl", "ftp://127.0.0.1:1", true, "is not a listen address; accepted: http://IP:port or https://IP:port")]
    [InlineData("GrpcUrl", "http://127.0.0.1", true, "is not a listen address")]
    [InlineData("HttpUrl", "https://127.0.0.1:15080", true, "is not a listen address; accepted: http://IP:port")]
    [InlineData("HttpUrl", "http://127.0.0.1:15010", true, "is the gRPC port too")]
    [InlineData("GrpcUrl", "https://127.0.0.1:15010", true, "ControlPlane:Tls:CertificatePath")]
    public void Validate_BadListener_NamesTheSetting(string key, string value, bool tokens, string message)
    {
        var options = new ControlPlaneOptions();
        typeof(ControlPlaneOptions).GetProperty(key)!.SetValue(options, value);

        var errors = ControlPlaneOptionsValidator.Validate(options, tokens);

        Assert.Contains(errors, e => e.ToString().Contains(message));
    }

    [Fact]
    public void Validate_AnyAddress_WithTokens_IsAccepted() =>
        Assert.Empty(ControlPlaneOptionsValidator.Validate(new ControlPlaneOptions { GrpcUrl = "http://*:15010", HttpUrl = "http://0.0.0.0:15080" }, anyTokens: true));

    [Fact]
    public void Validate_Limits_NameTheRange()
    {
        var options = new ControlPlaneOptions { PushDebounce = TimeSpan.FromMinutes(1) };
        options.Limits.MaxReportsPerSecond = 0;
        options.Limits.MaxCountPerReport = 0;
        options.Limits.MaxReportClockSkew = TimeSpan.FromDays(2);

        var errors = ControlPlaneOptionsValidator.Validate(options, anyTokens: false);

        Assert.Contains(errors, e => e.Field == "ControlPlane:Limits:MaxReportsPerSecond" && e.Message.Contains("accepted: 1 to 1000"));
        Assert.Contains(errors, e => e.Field == "ControlPlane:Limits:MaxCountPerReport" && e.Message.Contains("accepted: 1 to 1000000000000"));
        Assert.Contains(errors, e => e.Field == "ControlPlane:Limits:MaxReportClockSkew" && e.Message.Contains("accepted: 00:00:01 to 1.00:00:00"));
        Assert.Contains(errors, e => e.Field == "ControlPlane:PushDebounce");
    }

    [Fact]
    public void Validate_IdentityLimitsAndServiceAccounts_NameTheSettingAndTheRange()
    {
        var options = new ControlPlaneOptions { Limits = { MaxInstances = 0, InstanceTtl = TimeSpan.FromMinutes(1) } };
        options.Auth.ServiceAccounts.Enabled = true;
        options.Auth.ServiceAccounts.CacheTtl = TimeSpan.FromHours(1);
        options.Auth.ServiceAccounts.MaxConcurrentReviews = 0;
        options.Auth.ServiceAccounts.Services["orders"] = "orders";
        options.Auth.ServiceAccounts.Services["shop/orders"] = "Orders!";

        var errors = ControlPlaneOptionsValidator.Validate(options, anyTokens: true).Select(e => $"{e.Field}: {e.Message}").ToList();

        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Limits:MaxInstances: 0 is out of range; accepted: 1 to 1000000", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Limits:InstanceTtl: 00:01:00 is out of range; accepted: 00:05:00 to 1.00:00:00", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Auth:ServiceAccounts:CacheTtl: 01:00:00 is out of range; accepted: 00:00:01 to 00:10:00", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Auth:ServiceAccounts:MaxConcurrentReviews: 0 is out of range; accepted: 1 to 256", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Auth:ServiceAccounts:Enabled: is true but no API server is set", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Auth:ServiceAccounts:Services:orders: is not a service account; accepted: <namespace>/<name>", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Auth:ServiceAccounts:Services:shop/orders: 'Orders!' is not a service name", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_PolicyDocumentLimits_NameTheRange()
    {
        var options = new ControlPlaneOptions();
        options.Limits.MaxPolicyDepth = 1000;
        options.Limits.MaxPolicyNodes = 10;
        options.Limits.MaxPolicyAliases = -1;
        options.Limits.MaxPolicyExpandedChars = int.MaxValue;

        var errors = ControlPlaneOptionsValidator.Validate(options, anyTokens: false).Select(e => $"{e.Field}: {e.Message}").ToList();

        Assert.Contains("ControlPlane:Limits:MaxPolicyDepth: 1000 is out of range; accepted: 8 to 256", errors);
        Assert.Contains("ControlPlane:Limits:MaxPolicyNodes: 10 is out of range; accepted: 100 to 1000000", errors);
        Assert.Contains("ControlPlane:Limits:MaxPolicyAliases: -1 is out of range; accepted: 0 to 10000", errors);
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Limits:MaxPolicyExpandedChars: 2147483647 is out of range", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_Logs_NameTheSettingAndWhatIsAccepted()
    {
        var options = new ControlPlaneOptions();
        options.Logs.MaxBatchLines = 0;
        options.Logs.Services["orders"] = new Mesh.Heal.ControlPlane.Logs.ServiceLogOptions
        {
            Kubernetes = new Mesh.Heal.ControlPlane.Logs.PodLogOptions { Selector = "" },
            Repository = new Mesh.Heal.ControlPlane.Logs.RepositoryOptions
            {
                Path = "/nowhere", Url = "https://example.com/shop.git",
                GitHub = new Mesh.Heal.ControlPlane.Logs.GitHubOptions { Owner = "shop" },
            },
        };
        options.Logs.Services["b"] = new Mesh.Heal.ControlPlane.Logs.ServiceLogOptions
        {
            Repository = new Mesh.Heal.ControlPlane.Logs.RepositoryOptions { Path = System.IO.Path.GetTempPath(), GitHub = new() { Owner = "o", Repository = "r", Token = "t" } },
        };
        options.Agents.BugFixer.BranchPrefix = "";

        var errors = ControlPlaneOptionsValidator.Validate(options, anyTokens: false).Select(e => $"{e.Field}: {e.Message}").ToList();

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
        var options = new ControlPlaneOptions();

        ConfigurationBinder.Bind(configuration.GetSection(ControlPlaneOptions.SectionName), options);

        var planner = options.Capacity.Services["b"].Planner;
        Assert.Equal([TimeSpan.FromSeconds(20), TimeSpan.FromMinutes(1)], planner.EffectiveHorizons);
        Assert.Equal([0.5], planner.Forecast.EffectiveDampingPerDay);
        Assert.Equal([TimeSpan.FromDays(30), TimeSpan.FromDays(60), TimeSpan.FromDays(90)], new Agents.Capacity.CapacityPlannerOptions().EffectiveHorizons);
    }

    [Fact]
    public void Validate_CapacityHorizonTooManyStepsOfTheResolution_NamesIt()
    {
        var options = new ControlPlaneOptions();
        options.Capacity.Resolution = TimeSpan.FromSeconds(1);
        options.Capacity.Services["b"] = new ServiceCapacityOptions();

        var errors = ControlPlaneOptionsValidator.Validate(options, anyTokens: false);

        Assert.Contains(errors, e => e.Field == "ControlPlane:Capacity:Services:b:Planner:Horizons" && e.Message.Contains("more than 200000 steps"));
    }

    [Fact]
    public void Validate_CapacitySaturationTargetAndUpperMissOutOfRange_NameThem()
    {
        var options = new ControlPlaneOptions();
        options.Capacity.Services["b"] = new ServiceCapacityOptions();
        options.Capacity.Services["b"].Planner.SaturationTarget = 0;
        options.Capacity.Services["b"].Planner.Forecast.UpperMiss = 0.1;

        var errors = ControlPlaneOptionsValidator.Validate(options, anyTokens: false);

        Assert.Contains(errors, e => e.Field == "ControlPlane:Capacity:Services:b:Planner:SaturationTarget" && e.Message.Contains("above 0 and at most 0.5"));
        Assert.Contains(errors, e => e.Field == "ControlPlane:Capacity:Services:b:Planner:Forecast" && e.Message.Contains("UpperMiss 0.1"));
        Assert.DoesNotContain(ControlPlaneOptionsValidator.Validate(new ControlPlaneOptions { Capacity = { Services = { ["b"] = new ServiceCapacityOptions() } } }, anyTokens: false),
            e => e.Field.StartsWith("ControlPlane:Capacity:Services:b:Planner", StringComparison.Ordinal));
    }
}
