using Mesh.Heal.Agents.BugFixing;
using Mesh.Heal.Healing;

namespace Mesh.Heal.Agents.Tests.BugFixing;

public sealed class ConfigPatcherTests
{
    private const string Settings = """
        {
          // the payment provider
          "Payments": { "BaseUrl": "http://pay", "TimeoutSeconds": 2 },
          "Inventory": { "Timeout": "00:00:05", "Retries": 1 }
        }
        """;

    [Fact]
    public void RaiseTimeout_TheOneTheErrorNames_IsDoubledInPlace()
    {
        var files = new Dictionary<string, string> { ["src/appsettings.json"] = Settings };

        var patch = ConfigPatcher.RaiseTimeout(files, "The request was canceled due to the configured HttpClient.Timeout of 2 seconds elapsing.", 2, TimeSpan.FromMinutes(2));

        Assert.NotNull(patch);
        Assert.Equal(Settings.Replace("\"TimeoutSeconds\": 2", "\"TimeoutSeconds\": 4", StringComparison.Ordinal), patch.After);
        Assert.Equal(ActionRisk.Low, patch.Risk);
        Assert.Contains("Payments:TimeoutSeconds", patch.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void RaiseTimeout_ATimeSpanSetting_KeepsItsFormat()
    {
        var files = new Dictionary<string, string> { ["appsettings.json"] = Settings };

        var patch = ConfigPatcher.RaiseTimeout(files, "timed out after 00:00:05", 3, TimeSpan.FromSeconds(12));

        Assert.NotNull(patch);
        Assert.Contains("\"Timeout\": \"00:00:12\"", patch.After, StringComparison.Ordinal);
    }

    [Fact]
    public void RaiseTimeout_TwoSettingsAndNoneNamed_NoPatch()
    {
        var files = new Dictionary<string, string> { ["appsettings.json"] = Settings };

        Assert.Null(ConfigPatcher.RaiseTimeout(files, "The operation has timed out.", 2, TimeSpan.FromMinutes(2)));
    }
}
