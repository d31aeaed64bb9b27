using System.Text.RegularExpressions;

namespace Mesh.Heal.Protocol.Tests.Proto;

/// <summary>buf lint with proto/buf.yaml, and buf breaking against the released API in proto/baseline.</summary>
public sealed partial class BufTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("meshheal-buf-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task Lint_ProtoDirectory_Passes()
    {
        var buf = await ProtoTools.BufAsync();

        var result = await ProtoTools.RunAsync(buf, ProtoTools.ProtoDirectory, "lint");

        Assert.True(result.ExitCode == 0, result.Output);
    }

    [Fact]
    public async Task Lint_ServiceWithLowercaseRpc_IsReported()
    {
        // The lint can fail: STANDARD's RPC_PASCAL_CASE is not among buf.yaml's exceptions.
        var buf = await ProtoTools.BufAsync();
        SelfContainedTests.CopyDirectory(ProtoTools.ProtoDirectory, _temp.FullName);
        var telemetry = Path.Combine(_temp.FullName, "meshheal", "v1", "telemetry.proto");
        File.WriteAllText(telemetry, File.ReadAllText(telemetry).Replace("rpc Report(", "rpc report(", StringComparison.Ordinal));

        var result = await ProtoTools.RunAsync(buf, _temp.FullName, "lint", "--error-format", "json");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("\"RPC_PASCAL_CASE\"", result.Output);
    }

    [Fact]
    public async Task Breaking_AgainstReleasedBaseline_Passes()
    {
        var buf = await ProtoTools.BufAsync();

        var result = await ProtoTools.RunAsync(buf, ProtoTools.ProtoDirectory, "breaking", "--against", ProtoTools.Baseline);

        Assert.True(result.ExitCode == 0, result.Output);
    }

    [Fact]
    public async Task Breaking_RenumberedField_IsReported()
    {
        var buf = await ProtoTools.BufAsync();
        SelfContainedTests.CopyDirectory(ProtoTools.ProtoDirectory, _temp.FullName);
        var policy = Path.Combine(_temp.FullName, "meshheal", "v1", "policy.proto");
        var text = File.ReadAllText(policy);
        var renumbered = FirstFieldOne().Replace(text, "${field} = 99;", 1);
        Assert.NotEqual(text, renumbered);
        File.WriteAllText(policy, renumbered);

        var result = await ProtoTools.RunAsync(buf, _temp.FullName, "breaking", "--against", ProtoTools.Baseline, "--error-format", "json");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("\"FIELD_NO_DELETE\"", result.Output);
    }

    [GeneratedRegex(@"(?<field>\n\s+\w[\w.]* \w+) = 1;")]
    private static partial Regex FirstFieldOne();
}
