using Mesh.Heal.Sidecar.Configuration;
using Mesh.Heal.Sidecar.Hosting;
using Mesh.Heal.Sidecar.Hosting.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.Sidecar.Tests.Hosting;

public class SidecarOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds() => Assert.True(new SidecarOptionsValidator().Validate(null, new SidecarOptions()).Succeeded);

    [Theory]
    [InlineData("http://127.0.0.1", "Sidecar:ListenUrl")]
    [InlineData("http://orders.local:80", "Sidecar:ListenUrl")]
    [InlineData("https://127.0.0.1:0", "Sidecar:ListenUrl")]
    public void Validate_BadListenUrl_NamesTheSettingAndTheAcceptedForms(string url, string field)
    {
        var result = new SidecarOptionsValidator().Validate(null, new SidecarOptions { ListenUrl = url });

        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith($"{field}: '{url}' is not a listen address; accepted: http://IP:port (", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EveryBadSetting_IsReportedAtOnce()
    {
        var options = new SidecarOptions { Http2ListenUrl = "h2c://127.0.0.1:0", Service = " ", Instance = "", TelemetryInterval = TimeSpan.Zero };

        var fields = SidecarOptionsValidator.Check(options).Select(e => e.Field).ToList();

        Assert.Equal(["Sidecar:Http2ListenUrl", "Sidecar:Service", "Sidecar:TelemetryInterval", "Sidecar:Instance"], fields);
    }

    [Fact]
    public void Build_RegistersTheValidator_WithValidateOnStart()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        builder.AddMeshHealSidecar();

        using var provider = builder.Services.BuildServiceProvider();

        Assert.Contains(provider.GetServices<IValidateOptions<SidecarOptions>>(), v => v is SidecarOptionsValidator);
        Assert.NotNull(provider.GetService<IStartupValidator>());
    }

    [Theory]
    [InlineData("--Sidecar:Instance=", "Sidecar:Instance")]
    [InlineData("--Sidecar:Http2ListenUrl=http://[::1]", "Sidecar:Http2ListenUrl")]
    [InlineData("--Sidecar:TelemetryInterval=00:10:00", "Sidecar:TelemetryInterval")]
    public void Build_BadSetting_StopsStartUp_NamingIt(string argument, string field)
    {
        var ex = Assert.Throws<SidecarConfigurationException>(() => SidecarHost.Build(
            ["--Sidecar:ListenUrl=http://127.0.0.1:0", "--Sidecar:AdminUrl=http://127.0.0.1:0", argument]));

        Assert.Equal(field, Assert.Single(ex.Errors).Field);
        Assert.Contains(field + ": ", ex.Message, StringComparison.Ordinal);
    }
}
