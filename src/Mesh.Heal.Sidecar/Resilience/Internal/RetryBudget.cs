namespace Mesh.Heal.Sidecar.Resilience.Internal;

/// <summary>Allows a retry only while retries stay within a percentage of the requests in the window.</summary>
/// <remarks>
/// Keeps retries from multiplying load on an upstream that is already failing (a retry storm). Every request is counted
/// without a lock; taking a retry is rare and takes the lock, so that two retries cannot both take the last one.
/// </remarks>
internal sealed class RetryBudget
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly ConcurrentRollingWindow _window;

    public RetryBudget(int budgetPercent, TimeSpan window, TimeProvider time)
    {
        BudgetPercent = budgetPercent;
        Window = window;
        _time = time;
        _window = new ConcurrentRollingWindow(window, time.TimestampFrequency);
    }

    public int BudgetPercent { get; }

    public TimeSpan Window { get; }

    /// <summary>Counts one incoming request.</summary>
    public void RecordRequest() => _window.Record(_time.GetTimestamp(), failure: false);

    /// <summary>Takes one retry from the budget if retries would stay at or under the percentage of requests.</summary>
    public bool TryAcquire()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            var counts = _window.Sum(now);
            if ((counts.Extra + 1) * 100 > counts.Total * BudgetPercent)
            {
                return false;
            }

            _window.RecordExtra(now);
            return true;
        }
    }
}
