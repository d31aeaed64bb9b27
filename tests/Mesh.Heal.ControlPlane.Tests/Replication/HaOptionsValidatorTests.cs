using Mesh.Heal.ControlPlane.Replication;
using Mesh.Heal.ControlPlane.Replication.Internal;

namespace Mesh.Heal.ControlPlane.Tests.Replication;

public class HaOptionsValidatorTests
{
    [Fact]
    public void Defaults_AreValid() => Assert.Empty(HaOptionsValidator.Check(new HaOptions()).Errors);

    [Fact]
    public void Validate_LoweredForAFastFailover_IsAccepted() => Assert.Empty(HaOptionsValidator.Check(
        new HaOptions { LeaseDuration = TimeSpan.FromSeconds(1), RenewInterval = TimeSpan.FromMilliseconds(250), PollInterval = TimeSpan.FromSeconds(1) }).Errors);

    [Fact]
    public void Validate_BadSettings_NameTheSettingAndWhatIsAccepted()
    {
        var errors = HaOptionsValidator.Check(
            new HaOptions { LeaseDuration = TimeSpan.FromSeconds(2), RenewInterval = TimeSpan.FromSeconds(1.5), PollInterval = TimeSpan.Zero }).Errors
            .Select(e => e.ToString()).ToList();

        Assert.Contains(errors, e => e.StartsWith("ControlPlane:Ha:RenewInterval: 00:00:01.5000000 is longer than half of LeaseDuration", StringComparison.Ordinal));
        Assert.Contains("ControlPlane:Ha:PollInterval: 00:00:00 is out of range; accepted: 00:00:00.1000000 to 00:10:00", errors);
        Assert.Equal(2, errors.Count);
    }
}
