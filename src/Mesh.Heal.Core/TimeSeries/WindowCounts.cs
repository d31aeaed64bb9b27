namespace Mesh.Heal.TimeSeries;

/// <summary>Counts summed over a <see cref="RollingWindow"/>.</summary>
/// <param name="Total">Events recorded.</param>
/// <param name="Failures">Events recorded as failures.</param>
/// <param name="Extra">A second tally kept beside the total (retries, for a retry budget).</param>
public readonly record struct WindowCounts(long Total, long Failures, long Extra)
{
    /// <summary>Failures divided by total, or 0 when nothing was recorded.</summary>
    public double FailureRatio => Total == 0 ? 0 : (double)Failures / Total;
}
