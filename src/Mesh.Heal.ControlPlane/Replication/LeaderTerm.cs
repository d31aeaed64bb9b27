namespace Mesh.Heal.ControlPlane.Replication;

/// <summary>One replica's hold of the coordinator lease, from election to loss: the fencing token (holder and epoch) every write
/// the coordinator makes is checked against.</summary>
/// <remarks>
/// <see cref="Lost"/> is cancelled the moment the replica stops leading: when a renewal fails to land before the lease would expire
/// (measured on this replica's clock from when the last successful renewal was sent, so it errs early), when the store says another
/// replica holds it, or on stop.
/// </remarks>
internal sealed class LeaderTerm : IDisposable
{
    private readonly CancellationTokenSource _lost = new();
    private readonly TimeProvider _time;
    private long _validUntilTicks;

    public LeaderTerm(string holder, long epoch, DateTimeOffset validUntil, TimeProvider time, TimeSpan margin)
    {
        Holder = holder;
        Epoch = epoch;
        Margin = margin;
        _time = time;
        _validUntilTicks = validUntil.UtcTicks;
        ElectedAt = time.GetUtcNow();
    }

    /// <summary>The replica that holds the lease.</summary>
    public string Holder { get; }

    /// <summary>The lease's epoch: one more on every change of holder, so an older term's token never passes again.</summary>
    public long Epoch { get; }

    /// <summary>How much of the lease must be left for an actuator to call out (one renew interval).</summary>
    public TimeSpan Margin { get; }

    /// <summary>When this replica took the lease, on its own clock.</summary>
    public DateTimeOffset ElectedAt { get; }

    /// <summary>Cancelled when the replica stops leading.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>Whether the term has ended.</summary>
    public bool IsLost => _lost.IsCancellationRequested;

    /// <summary>Until when the lease is held for sure, on this replica's clock.</summary>
    public DateTimeOffset ValidUntil => new(Interlocked.Read(ref _validUntilTicks), TimeSpan.Zero);

    /// <summary>Whether the lease is still held with at least <paramref name="margin"/> to spare.</summary>
    public bool IsValid(TimeSpan margin) => !IsLost && _time.GetUtcNow() + margin < ValidUntil;

    /// <summary>Throws <see cref="LeadershipLostException"/> unless the lease is held with at least <see cref="Margin"/> to spare:
    /// for what acts outside the store (Kubernetes, git, webhooks), checked just before it calls out.</summary>
    public void EnsureValid() => EnsureValid(Margin);

    /// <summary>Throws <see cref="LeadershipLostException"/> unless the lease is held with at least <paramref name="margin"/> to spare.</summary>
    public void EnsureValid(TimeSpan margin)
    {
        if (!IsValid(margin))
        {
            throw new LeadershipLostException(Holder, Epoch, IsLost ? "the term has ended" : $"the lease is held only until {ValidUntil:O}, less than {margin.TotalMilliseconds:0} ms from now");
        }
    }

    /// <summary>Extends <see cref="ValidUntil"/> after a renewal landed.</summary>
    internal void Extend(DateTimeOffset validUntil) => Interlocked.Exchange(ref _validUntilTicks, validUntil.UtcTicks);

    /// <summary>Ends the term; returns false when it had ended already.</summary>
    internal bool End()
    {
        if (_lost.IsCancellationRequested)
        {
            return false;
        }

        try
        {
            _lost.Cancel();
        }
        catch (ObjectDisposedException)
        {
            return false;
        }

        return true;
    }

    public void Dispose() => _lost.Dispose();
}
