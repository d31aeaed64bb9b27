using System.Diagnostics;
using Mesh.Heal.Sidecar.Hosting;
using static Mesh.Heal.Sidecar.Tests.Integration.TestSidecar;

namespace Mesh.Heal.Sidecar.Tests.Integration;

/// <summary>The sidecar as an operator runs it: its own process, its exit code and what it prints.</summary>
public class SidecarProcessTests
{
    [Fact]
    public async Task InvalidPolicy_ProcessExitsWithCode2_AndNamesEveryBadSetting()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("meshheal-test-").FullName, "sidecar.json");
        await File.WriteAllTextAsync(path, Config(new { backend = Cluster("http://127.0.0.1:1/") }, new
        {
            Clusters = new { backend = new { CircuitBreaker = new { FailureRatio = 3 }, Retry = new { MaxAttempts = 0 } } },
        }));
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            ArgumentList = { typeof(SidecarHost).Assembly.Location, "--config", path, "--Sidecar:ListenUrl=http://127.0.0.1:0", "--Sidecar:AdminUrl=http://127.0.0.1:0" },
        };

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);

        Assert.Equal(2, process.ExitCode);
        var message = await stderr;
        Assert.Contains("Resilience:Clusters:backend:CircuitBreaker:FailureRatio: 3 is out of range; accepted: greater than 0 and at most 1", message);
        Assert.Contains("Resilience:Clusters:backend:Retry:MaxAttempts: 0 is out of range; accepted: 1 to 10", message);
    }
}
