using System.Globalization;

namespace Mesh.Heal.Demo;

/// <summary>The demo's figures: what callers saw through the sidecar against the same traffic sent straight to the primary.</summary>
internal sealed class DemoSummary
{
    private volatile bool _stopWatching;

    public long Ok { get; private set; }

    public long Fallback { get; private set; }

    public long Failed { get; private set; }

    public long DirectOk { get; private set; }

    public long DirectFailed { get; private set; }

    /// <summary>When the fallback policy was submitted to the control plane.</summary>
    public TimeSpan? PolicyPushedAt { get; set; }

    /// <summary>The version the control plane gave the pushed policy.</summary>
    public long PolicyVersion { get; set; }

    /// <summary>From submitting the policy until the sidecar's <c>/admin/state</c> showed it in force.</summary>
    public TimeSpan? PolicyPropagation { get; set; }

    public TimeSpan? KilledAt { get; set; }

    public TimeSpan? RevivedAt { get; set; }

    /// <summary>When the breaker was first seen open after the kill: from then on every request goes to the fallback at once.</summary>
    public TimeSpan? BreakerOpenedAt { get; private set; }

    /// <summary>When the cluster was first seen Healthy again after the primary came back.</summary>
    public TimeSpan? RecoveredAt { get; private set; }

    public string CurrentHealth { get; private set; } = "Healthy";

    public string CurrentBreaker { get; private set; } = "Closed";

    public HashSet<string> HealthSeen { get; } = [];

    public string? LastError { get; set; }

    /// <summary>What the control plane's agents recorded: issues, then healing steps, one line each.</summary>
    public List<string> Agents { get; } = [];

    /// <summary>The control plane's <c>meshctl report</c> figures for the run, from its store, one line each.</summary>
    public List<string> Report { get; } = [];

    public bool StopWatching
    {
        get => _stopWatching;
        set => _stopWatching = value;
    }

    public long Total => Ok + Fallback + Failed;

    public long DirectTotal => DirectOk + DirectFailed;

    /// <summary>Share of requests through the sidecar that got a good answer (primary or fallback).</summary>
    public double Availability => Total == 0 ? 0 : (double)(Ok + Fallback) / Total;

    public double DirectAvailability => DirectTotal == 0 ? 0 : (double)DirectOk / DirectTotal;

    /// <summary>How many fewer requests failed through the sidecar than straight to the primary.</summary>
    public double FailureReduction => DirectFailed == 0 ? 0 : 1 - ((double)Failed / DirectFailed);

    public void Add(SecondBucket bucket)
    {
        Ok += bucket.Ok;
        Fallback += bucket.Fallback;
        Failed += bucket.Failed;
        DirectOk += bucket.DirectOk;
        DirectFailed += bucket.DirectFailed;
    }

    public void Observe(TimeSpan at, string health, string breaker, bool killed, bool revived)
    {
        lock (HealthSeen)
        {
            CurrentHealth = health;
            CurrentBreaker = breaker;
            HealthSeen.Add(health);
            if (killed && !revived && BreakerOpenedAt is null && breaker == "Open")
            {
                BreakerOpenedAt = at;
            }

            if (revived && RecoveredAt is null && health == "Healthy")
            {
                RecoveredAt = at;
            }
        }
    }

    public void Print(TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine();
        output.WriteLine("Summary");
        output.WriteLine(string.Create(c, $"  through the sidecar   {Total} requests, {Failed} failed, {Fallback} served by the fallback"));
        output.WriteLine(string.Create(c, $"  availability          {Availability * 100:0.000} % seen by callers through the sidecar"));
        output.WriteLine(string.Create(c, $"  without the sidecar   {DirectTotal} requests straight to the primary, {DirectFailed} failed ({DirectAvailability * 100:0.000} % available)"));
        output.WriteLine(string.Create(c, $"  failed requests       {FailureReduction * 100:0.0} % fewer through the sidecar"));
        if (PolicyPushedAt is not null)
        {
            output.WriteLine(PolicyPropagation is { } propagation
                ? string.Create(c, $"  policy push           version {PolicyVersion} (fallback: backup) in force on the sidecar {propagation.TotalMilliseconds:0} ms after it was submitted to the control plane")
                : "  policy push           the sidecar did not apply the pushed policy");
        }

        if (KilledAt is { } killed)
        {
            output.WriteLine(BreakerOpenedAt is { } opened
                ? string.Create(c, $"  to 100% fallback      {(opened - killed).TotalMilliseconds:0} ms from the kill until the breaker was seen open (checked every 50 ms); requests in between were answered by the fallback after their failed attempt")
                : "  to 100% fallback      the breaker was not seen open");
        }

        if (RevivedAt is { } revivedAt)
        {
            output.WriteLine(RecoveredAt is { } recovered
                ? string.Create(c, $"  recovery              Healthy {(recovered - revivedAt).TotalSeconds:0.0} s after the primary came back (the break, then a ramp from 10 % of traffic)")
                : "  recovery              not Healthy again before the end of the run");
        }

        output.WriteLine($"  health states seen    {string.Join(" -> ", new[] { "Healthy", "Degraded", "Failed", "Recovering" }.Where(HealthSeen.Contains))}");
        output.WriteLine(Agents.Count == 0
            ? "  the agents            recorded nothing"
            : "  the agents            " + string.Join("\n                        ", Agents));
        if (Report.Count > 0)
        {
            output.WriteLine("  meshctl report        " + string.Join("\n                        ", Report));
        }
        if (Failed > 0 && LastError is not null)
        {
            output.WriteLine($"  last error            {LastError}");
        }
    }
}
