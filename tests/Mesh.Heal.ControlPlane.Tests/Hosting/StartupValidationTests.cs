using Mesh.Heal.ControlPlane.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Heal.ControlPlane.Tests.Hosting;

/// <summary>Every feature's options are validated on start: a bad setting stops <see cref="ControlPlaneHost.Build"/>
/// with <see cref="ControlPlaneConfigurationException"/> (the process prints it and exits with code 2), naming the setting.</summary>
public class StartupValidationTests
{
    [Theory]
    [InlineData("ControlPlane:GrpcUrl", "http://127.0.0.1")]
    [InlineData("ControlPlane:PushDebounce", "00:01:00")]
    [InlineData("ControlPlane:Limits:MaxMessageBytes", "1")]
    [InlineData("ControlPlane:Auth:AdminTokens:0", "short")]
    [InlineData("ControlPlane:Healing:Interval", "00:00:00")]
    [InlineData("ControlPlane:Agents:CircuitBreaker:FailingRatio", "2")]
    [InlineData("ControlPlane:Resources:Step", "00:00:00")]
    [InlineData("ControlPlane:Kubernetes:Server", "ftp://k8s")]
    [InlineData("ControlPlane:Capacity:Refresh", "00:00:00")]
    [InlineData("ControlPlane:Logs:MaxBatchLines", "0")]
    [InlineData("ControlPlane:Ha:LeaseDuration", "00:00:00.010")]
    [InlineData("ControlPlane:Dashboard:RefreshInterval", "00:00:00.010")]
    public void Build_InvalidSettingOfAFeature_StopsStartUp_NamingIt(string key, string value)
    {
        var ex = Assert.Throws<ControlPlaneConfigurationException>(() => ControlPlaneHost.Build([.. Args(), $"--{key}={value}"]));

        Assert.Contains(ex.Errors, e => e.Field == key);
        Assert.Contains(key + ": ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_BadSettingsOfSeveralFeatures_AreReportedTogether()
    {
        var ex = Assert.Throws<ControlPlaneConfigurationException>(() => ControlPlaneHost.Build(
            [.. Args(), "--ControlPlane:Healing:WorseMargin=2", "--ControlPlane:Logs:MaxServices=0", "--ControlPlane:HttpUrl=http://example.com:80"]));

        Assert.Equal(
            ["ControlPlane:Healing:WorseMargin", "ControlPlane:HttpUrl", "ControlPlane:Logs:MaxServices"],
            ex.Errors.Select(e => e.Field).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Build_BadTokenAndBadListener_ReportsBoth()
    {
        // The listener check reads whether tokens are configured from the auth settings, which are invalid here.
        var ex = Assert.Throws<ControlPlaneConfigurationException>(() => ControlPlaneHost.Build(
            [.. Args(), "--ControlPlane:Auth:AdminTokens:0=short", "--ControlPlane:GrpcUrl=http://127.0.0.1"]));

        Assert.Equal(["ControlPlane:Auth:AdminTokens:0", "ControlPlane:GrpcUrl"], ex.Errors.Select(e => e.Field).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Build_BadKubernetesServer_DoesNotHideTheErrorsOfTheFeaturesThatReadIt()
    {
        var ex = Assert.Throws<ControlPlaneConfigurationException>(() => ControlPlaneHost.Build(
            [.. Args(), "--ControlPlane:Kubernetes:Server=ftp://k8s", "--ControlPlane:Logs:MaxBatchLines=0", "--ControlPlane:Resources:Step=00:00:00",
                "--ControlPlane:Auth:ServiceAccounts:Enabled=true", "--ControlPlane:Auth:ServiceAccounts:MaxConcurrentReviews=0"]));

        Assert.Equal(
            ["ControlPlane:Auth:ServiceAccounts:MaxConcurrentReviews", "ControlPlane:Kubernetes:Server", "ControlPlane:Logs:MaxBatchLines", "ControlPlane:Resources:Step"],
            ex.Errors.Select(e => e.Field).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Build_ValidSettings_Starts()
    {
        await using var app = ControlPlaneHost.Build(Args());

        await app.StartAsync();

        Assert.NotEqual(0, app.Services.GetRequiredService<ControlPlaneEndpoints>().HttpUri.Port);
        await app.StopAsync();
    }

    private static string[] Args() =>
    [
        "--ControlPlane:GrpcUrl=http://127.0.0.1:0", "--ControlPlane:HttpUrl=http://127.0.0.1:0",
        $"--ControlPlane:StorePath={Path.Combine(Directory.CreateTempSubdirectory("meshheal-options-").FullName, "cp.db")}",
        "--ControlPlane:Healing:Enabled=false",
    ];
}
