using Mesh.Heal.Agents.Logs;

namespace Mesh.Heal.Agents.Tests.Logs;

public sealed class RootCauseClassifierTests
{
    [Theory]
    [InlineData("System.NullReferenceException", "Object reference not set to an instance of an object.", "null-pointer")]
    [InlineData("AttributeError", "'NoneType' object has no attribute 'total'", "null-pointer")]
    [InlineData("runtime error", "invalid memory address or nil pointer dereference", "null-pointer")]
    [InlineData("System.Threading.Tasks.TaskCanceledException", "The request was canceled due to the configured HttpClient.Timeout of 2 seconds elapsing.", "timeout")]
    [InlineData("java.net.SocketTimeoutException", "Read timed out", "timeout")]
    [InlineData("System.FormatException", "The input string 'abc' was not in a correct format.", "validation")]
    [InlineData("ValueError", "invalid literal for int() with base 10: 'x'", "validation")]
    [InlineData("java.lang.OutOfMemoryError", "Java heap space", "resource-exhaustion")]
    [InlineData("System.InvalidOperationException", "Timeout expired. The timeout period elapsed prior to obtaining a connection from the pool.", "resource-exhaustion")]
    [InlineData("System.Net.Http.HttpRequestException", "Connection refused (orders:8080)", "dependency-failure")]
    [InlineData("panic", "dial tcp 10.0.0.5:5432: connect: connection refused", "dependency-failure")]
    [InlineData("System.InvalidOperationException", "Sequence contains no elements", "unknown")]
    public void Classify_ByTypeAndMessage(string type, string message, string cause)
    {
        var result = RootCauseClassifier.Classify(new ParsedException("dotnet", type, message, []), message);

        Assert.Equal(cause, result.Cause);
        Assert.NotEmpty(result.Evidence);
    }

    [Fact]
    public void Classify_Wrapped_TheRootCauseDecides()
    {
        var exception = new ParsedException("dotnet", "System.Net.Sockets.SocketException", "Connection reset by peer", [])
        {
            Chain = ["System.Net.Http.HttpRequestException", "System.Net.Sockets.SocketException"],
        };

        Assert.Equal("dependency-failure", RootCauseClassifier.Classify(exception, string.Empty).Cause);
    }

    [Fact]
    public void Classify_TelemetryCorroboratesOrSuggests()
    {
        var timeout = new ParsedException("dotnet", "System.TimeoutException", "The operation has timed out.", []);
        var unknown = new ParsedException("dotnet", "System.InvalidOperationException", "Sequence contains no elements", []);
        var slowUpstream = new TelemetryContext(OutboundTimeouts: 12, 0, 0, 0, 0);

        var alone = RootCauseClassifier.Classify(timeout, string.Empty);
        var corroborated = RootCauseClassifier.Classify(timeout, string.Empty, slowUpstream);
        var suggested = RootCauseClassifier.Classify(unknown, string.Empty, slowUpstream);

        Assert.True(corroborated.Confidence > alone.Confidence);
        Assert.Contains(corroborated.Evidence, e => e.Contains("12 upstream timeouts", StringComparison.Ordinal));
        Assert.Equal("timeout", suggested.Cause);
        Assert.True(suggested.Confidence < 0.5);
    }
}
