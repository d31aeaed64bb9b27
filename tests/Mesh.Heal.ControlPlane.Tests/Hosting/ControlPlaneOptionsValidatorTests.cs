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

        var errors = ControlPlaneOptionsValidator.Validate(options, anyTokens: false);

        Assert.Contains(errors, e => e.Field == "ControlPlane:Limits:MaxReportsPerSecond" && e.Message.Contains("accepted: 1 to 1000"));
        Assert.Contains(errors, e => e.Field == "ControlPlane:PushDebounce");
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
}
