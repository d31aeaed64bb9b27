using Mesh.Heal.ControlPlane.Hosting;

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
}
