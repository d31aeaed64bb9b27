namespace Mesh.Heal.Demo;

/// <summary>Settings of <c>meshctl demo</c>.</summary>
public sealed class DemoOptions
{
    /// <summary>How long traffic runs. Default 30 s; accepted 3 s to 1 hour.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Requests per second, sent both through the sidecar and straight to the primary. Default 200; accepted 1 to 5000.</summary>
    public int Rate { get; set; } = 200;

    /// <summary>Print only the summary, not the per-second view.</summary>
    public bool Quiet { get; set; }
}
