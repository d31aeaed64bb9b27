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

    [Theory]
    [InlineData("http://127.0.0.1:15010")]
    [InlineData("http://10.0.0.1:15010,http://10.0.0.2:15010")]
    [InlineData(" https://cp-0.meshheal:15010 , https://cp-1.meshheal:15010,https://cp-2.meshheal:15010 ")]
    public void Validate_OneControlPlaneAddressOrAList_Succeeds(string url) =>
        Assert.True(new SidecarOptionsValidator().Validate(null, new SidecarOptions { ControlPlaneUrl = url }).Succeeded);

    [Theory]
    [InlineData("cp:15010", "'cp:15010' is not a control plane address")]
    [InlineData("http://10.0.0.1:15010,ftp://10.0.0.2", "entry 2 of 2, 'ftp://10.0.0.2', is not a control plane address")]
    [InlineData("http://10.0.0.1:15010,,http://10.0.0.2:15010", "entry 2 of 3, '', is not a control plane address")]
    [InlineData("http://10.0.0.1:15010;http://10.0.0.2:15010", "'http://10.0.0.1:15010;http://10.0.0.2:15010' is not a control plane address")]
    [InlineData(" ", "'' is not a control plane address")]
    public void Validate_BadControlPlaneAddress_NamesTheSettingTheEntryAndTheAcceptedForms(string url, string entry)
    {
        var failure = Assert.Single(new SidecarOptionsValidator().Validate(null, new SidecarOptions { ControlPlaneUrl = url }).Failures!);

        Assert.Equal(
            $"Sidecar:ControlPlaneUrl: {entry}; accepted: http://host:port or https://host:port, or several separated by commas", failure);
    }

    [Fact]
    public void Validate_CertificateAuthority_WithOneAddressOfAListNotHttps_Fails()
    {
        var ca = Path.Combine(Directory.CreateTempSubdirectory("meshheal-test-").FullName, "ca.pem");
        using (var key = System.Security.Cryptography.ECDsa.Create())
        {
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=test-ca", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddYears(100));
            File.WriteAllText(ca, certificate.ExportCertificatePem());
        }

        var mixed = new SidecarOptions { ControlPlaneUrl = "https://cp-0:15010,http://cp-1:15010", ControlPlaneCertificateAuthority = ca };
        var tls = new SidecarOptions { ControlPlaneUrl = "https://cp-0:15010,https://cp-1:15010", ControlPlaneCertificateAuthority = ca };

        Assert.Equal("Sidecar:ControlPlaneCertificateAuthority", Assert.Single(SidecarOptionsValidator.Check(mixed)).Field);
        Assert.Empty(SidecarOptionsValidator.Check(tls));
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
    [InlineData("--Sidecar:TelemetryInterval=soon", "Sidecar:TelemetryInterval")]
    [InlineData("--Sidecar:Interception:ProtocolDetectionTimeout=00:00:00.005", "Sidecar:Interception:ProtocolDetectionTimeout")]
    [InlineData("--Sidecar:Interception:ProtocolDetectionTimeout=00:00:11", "Sidecar:Interception:ProtocolDetectionTimeout")]
    [InlineData("--Sidecar:ControlPlaneUrl=http://127.0.0.1:15010,127.0.0.1:15011", "Sidecar:ControlPlaneUrl")]
    public void Build_BadSetting_StopsStartUp_NamingIt(string argument, string field)
    {
        var ex = Assert.Throws<SidecarConfigurationException>(() => SidecarHost.Build(
            ["--Sidecar:ListenUrl=http://127.0.0.1:0", "--Sidecar:AdminUrl=http://127.0.0.1:0", argument]));

        Assert.Equal(field, Assert.Single(ex.Errors).Field);
        Assert.Contains(field + ": ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ProtocolDetectionTimeout_OutOfRange_NamesTheSettingAndTheRange()
    {
        var errors = SidecarOptionsValidator.Check(new SidecarOptions { Interception = { ProtocolDetectionTimeout = TimeSpan.FromMilliseconds(9) } });

        Assert.Equal(
            "Sidecar:Interception:ProtocolDetectionTimeout: 00:00:00.0090000 is out of range; accepted: 00:00:00.01 to 00:00:10",
            Assert.Single(errors).ToString());
        Assert.Equal(TimeSpan.FromMilliseconds(100), new SidecarOptions().Interception.ProtocolDetectionTimeout);
        Assert.Empty(SidecarOptionsValidator.Check(new SidecarOptions { Interception = { ProtocolDetectionTimeout = TimeSpan.FromMilliseconds(10) } }));
        Assert.Empty(SidecarOptionsValidator.Check(new SidecarOptions { Interception = { ProtocolDetectionTimeout = TimeSpan.FromSeconds(10) } }));
    }

    [Fact]
    public void Validate_IdentityWithoutAControlPlane_NamesTheSetting()
    {
        var errors = SidecarOptionsValidator.Check(new SidecarOptions { Identity = { Enabled = true } });

        Assert.Equal(
            "Sidecar:Identity:Enabled: is true but Sidecar:ControlPlaneUrl is not set; accepted: an identity with a control plane to issue it, or false",
            Assert.Single(errors).ToString());
        Assert.Empty(SidecarOptionsValidator.Check(new SidecarOptions { Identity = { Enabled = true }, ControlPlaneUrl = "http://127.0.0.1:15010" }));
    }

    [Fact]
    public void Validate_HttpsInbound_NeedsIdentity_NamingBothSettings()
    {
        var withoutIdentity = SidecarOptionsValidator.Check(new SidecarOptions { InboundListenUrl = "https://0.0.0.0:15006", InboundTarget = "http://127.0.0.1:8080" });
        var withIdentity = new SidecarOptions
        {
            InboundListenUrl = "https://0.0.0.0:15006", InboundTarget = "http://127.0.0.1:8080", Identity = { Enabled = true }, ControlPlaneUrl = "http://127.0.0.1:15010",
        };

        var error = Assert.Single(withoutIdentity);
        Assert.Equal("Sidecar:InboundListenUrl", error.Field);
        Assert.Contains("Sidecar:Identity:Enabled", error.Message);
        Assert.Contains("accepted: http://IP:port, or https://IP:port with Sidecar:Identity:Enabled=true", error.Message);
        Assert.Empty(SidecarOptionsValidator.Check(withIdentity));
        Assert.True(SidecarOptionsValidator.InboundListener(withIdentity)!.Value.IsHttps);
    }
}
