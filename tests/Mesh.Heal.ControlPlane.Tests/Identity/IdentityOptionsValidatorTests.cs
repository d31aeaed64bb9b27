using Mesh.Heal.ControlPlane.Identity;
using Mesh.Heal.ControlPlane.Identity.Internal;

namespace Mesh.Heal.ControlPlane.Tests.Identity;

public class IdentityOptionsValidatorTests
{
    [Fact]
    public void Defaults_AreValid() => Assert.Empty(IdentityOptionsValidator.Check(new IdentityOptions()).Errors);

    [Fact]
    public void Validate_BadSettings_NameTheSettingAndWhatIsAccepted()
    {
        var errors = IdentityOptionsValidator.Check(
            new IdentityOptions { CertificateLifetime = TimeSpan.FromMinutes(1), TrustDomain = "not a/domain", CaCertificate = "/ca.crt" }).Errors
            .Select(e => e.ToString()).ToList();

        Assert.Contains("ControlPlane:Identity:CertificateLifetime: 00:01:00 is out of range; accepted: 00:05:00 to 7.00:00:00", errors);
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Identity:TrustDomain: 'not a/domain' is not accepted", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Identity:CaKey: CaCertificate and CaKey are set together", StringComparison.Ordinal));
        Assert.Equal(3, errors.Count);
    }

    [Fact]
    public void Validate_RootFilesThatDoNotLoad_AreNamed()
    {
        var errors = IdentityOptionsValidator.Check(new IdentityOptions { CaCertificate = "/nonexistent/ca.crt", CaKey = "/nonexistent/ca.key" }).Errors;

        Assert.StartsWith("ControlPlane:Identity:CaCertificate: '/nonexistent/ca.crt' with key '/nonexistent/ca.key' is not usable", Assert.Single(errors).ToString(), StringComparison.Ordinal);
    }
}
