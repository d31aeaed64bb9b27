namespace Mesh.Heal.Sidecar.Resilience.Internal;

internal static class AttemptResultExtensions
{
    /// <summary>Whether the breaker and the health window count the attempt as a failure.</summary>
    public static bool IsFailure(this AttemptResult result) =>
        result is AttemptResult.Slow or AttemptResult.ServerError or AttemptResult.Timeout or AttemptResult.TransportError;

    /// <summary>Whether the caller did not get a good primary response, so a retry or the fallback may serve.</summary>
    public static bool NeedsFallback(this AttemptResult result) =>
        result is AttemptResult.ServerError or AttemptResult.Timeout or AttemptResult.TransportError or AttemptResult.Rejected;

    /// <summary>The metric tag value.</summary>
    public static string ToTag(this AttemptResult result) => result switch
    {
        AttemptResult.Success => "success",
        AttemptResult.Slow => "slow",
        AttemptResult.ServerError => "server_error",
        AttemptResult.Timeout => "timeout",
        AttemptResult.TransportError => "transport_error",
        AttemptResult.ClientAborted => "client_aborted",
        _ => "rejected",
    };
}
