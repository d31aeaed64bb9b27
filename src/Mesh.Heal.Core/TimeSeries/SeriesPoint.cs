namespace Mesh.Heal.TimeSeries;

/// <summary>One point of a metric series.</summary>
/// <param name="Time">When it was measured.</param>
/// <param name="Value">What was measured.</param>
public readonly record struct SeriesPoint(DateTimeOffset Time, double Value);
