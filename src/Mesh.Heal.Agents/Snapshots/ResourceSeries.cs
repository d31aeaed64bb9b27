using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Agents;

/// <summary>One resource of one instance over time: memory, open handles, threads, connections.</summary>
/// <param name="Service">The service the instance belongs to.</param>
/// <param name="Instance">The instance (a sidecar's instance id, a Prometheus <c>instance</c> or <c>pod</c> label).</param>
/// <param name="Resource">What is measured: <c>memory</c>, <c>handles</c>, <c>threads</c>, <c>connections</c>, or a configured name.</param>
/// <param name="Source">Where it came from: <c>sidecar</c> or <c>prometheus</c>.</param>
/// <param name="Points">The samples, oldest first.</param>
/// <param name="Limit">What it must stay under (a memory limit, the handle limit), or null when none is known.</param>
public sealed record ResourceSeries(string Service, string Instance, string Resource, string Source, IReadOnlyList<SeriesPoint> Points, double? Limit);

/// <summary>The newest anomalous point of one metric series, as the control plane's streaming detectors scored it.</summary>
/// <param name="Service">The service the series belongs to.</param>
/// <param name="Subject">What the series is of: an instance (<c>b-1</c>) or an instance's upstream (<c>b-1/c</c>).</param>
/// <param name="Metric">The metric: <c>requests</c>, <c>errors</c>, <c>latency.p99</c>, <c>memory</c>, <c>handles</c>, <c>threads</c>, <c>connections</c>.</param>
/// <param name="Time">When the point was seen.</param>
/// <param name="Value">Its value.</param>
/// <param name="Expected">What the detector expected.</param>
/// <param name="Score">Its anomaly score in [0, 1].</param>
public sealed record AnomalyReading(string Service, string Subject, string Metric, DateTimeOffset Time, double Value, double Expected, double Score);
