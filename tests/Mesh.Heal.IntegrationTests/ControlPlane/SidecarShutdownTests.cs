using System.Collections.Concurrent;
using Mesh.Heal.IntegrationTests.Support;
using Mesh.Heal.Sidecar.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Heal.IntegrationTests.ControlPlane;

[Collection(nameof(IntegrationCollection))]
public class SidecarShutdownTests
{
    [Fact]
    public async Task SidecarStopping_EndsItsStreams_WithoutAWarningOrAReconnect()
    {
        await using var controlPlane = await TestControlPlane.StartAsync();
        await using var mesh = Support.Mesh.Start();
        var config = Path.Combine(Directory.CreateTempSubdirectory("meshheal-test-").FullName, "sidecar.json");
        await File.WriteAllTextAsync(config, mesh.Config());
        var logs = new CapturingLoggerProvider();
        var app = SidecarHost.Build(
            [
                "--config", config, "--Sidecar:ListenUrl=http://127.0.0.1:0", "--Sidecar:AdminUrl=http://127.0.0.1:0",
                "--Sidecar:ControlPlaneUrl=" + controlPlane.GrpcUri, "--Sidecar:Instance=orders-stop", "--Sidecar:TelemetryInterval=00:00:00.2",
            ],
            builder => builder.Logging.AddProvider(logs));
        await app.StartAsync();
        await Wait.UntilAsync(
            () => Task.FromResult(controlPlane.Store.Sidecars("orders").Any(s => s.Connected)), "the sidecar's policy stream is open");

        await app.StopAsync();
        await app.DisposeAsync();

        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Warning && e.Category.Contains("PolicySync", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("reconnecting", StringComparison.OrdinalIgnoreCase));
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Entries);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<(string, LogLevel, string)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue((category, logLevel, formatter(state, exception)));
        }
    }
}
