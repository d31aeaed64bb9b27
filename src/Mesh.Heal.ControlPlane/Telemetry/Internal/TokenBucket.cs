namespace Mesh.Heal.ControlPlane.Telemetry.Internal;

/// <summary>A token bucket on <see cref="TimeProvider"/>: <c>rate</c> tokens a second, holding at most <c>burst</c>.</summary>
/// <remarks>Used by one stream's loop at a time, so it needs no lock.</remarks>
internal sealed class TokenBucket
{
    private readonly double _rate;
    private readonly double _burst;
    private readonly TimeProvider _time;
    private double _tokens;
    private long _last;

    public TokenBucket(double rate, double burst, TimeProvider time)
    {
        _rate = rate;
        _burst = burst;
        _time = time;
        _tokens = burst;
        _last = time.GetTimestamp();
    }

    public bool TryTake()
    {
        var now = _time.GetTimestamp();
        _tokens = Math.Min(_burst, _tokens + (_time.GetElapsedTime(_last, now).TotalSeconds * _rate));
        _last = now;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens -= 1;
        return true;
    }
}
