using Mesh.Heal.ControlPlane.Dashboard;
using Mesh.Heal.ControlPlane.Dashboard.Internal;

namespace Mesh.Heal.ControlPlane.Tests.Dashboard;

/// <summary><c>ControlPlane:Dashboard</c>: the defaults pass, and each bad interval is named with its accepted range.</summary>
public sealed class DashboardOptionsValidatorTests
{
    [Fact]
    public void Defaults_AreValid()
    {
        var options = new DashboardOptions();
        Assert.Empty(DashboardOptionsValidator.Check(options).Errors);
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15)), (options.RefreshInterval, options.KeepAliveInterval));
    }

    [Theory]
    [InlineData("00:00:00.050", "00:00:15", "ControlPlane:Dashboard:RefreshInterval", "accepted: 00:00:00.1000000 to 00:01:00")]
    [InlineData("00:02:00", "00:00:15", "ControlPlane:Dashboard:RefreshInterval", "accepted: 00:00:00.1000000 to 00:01:00")]
    [InlineData("00:00:01", "00:00:00", "ControlPlane:Dashboard:KeepAliveInterval", "accepted: 00:00:01 to 00:05:00")]
    public void Check_OutOfRange_NamesTheSetting(string refresh, string keepAlive, string field, string message)
    {
        var errors = DashboardOptionsValidator.Check(new DashboardOptions { RefreshInterval = TimeSpan.Parse(refresh, System.Globalization.CultureInfo.InvariantCulture), KeepAliveInterval = TimeSpan.Parse(keepAlive, System.Globalization.CultureInfo.InvariantCulture) }).Errors;

        var error = Assert.Single(errors);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
