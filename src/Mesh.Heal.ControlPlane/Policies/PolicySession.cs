using System.Threading.Channels;

namespace Mesh.Heal.ControlPlane.Policies;

/// <summary>One connected sidecar's policy stream: the newest snapshot waiting to be sent, and what was sent last.</summary>
/// <remarks>
/// The slot holds one snapshot and a newer one replaces it, so a sidecar that reads slowly gets the newest version
/// when it catches up, never a backlog, and it delays no one else: each session is written by its own loop.
/// </remarks>
internal sealed class PolicySession
{
    private readonly Channel<PolicySnapshotData> _pending = Channel.CreateBounded<PolicySnapshotData>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private readonly CancellationTokenSource _replaced = new();
    private string? _sentNonce;
    private long _sentVersion;
    private string? _answeredNonce;

    public PolicySession(string service, string instance, string credential)
    {
        Service = service;
        Instance = instance;
        Credential = credential;
    }

    public string Service { get; }

    public string Instance { get; }

    /// <summary>The credential that opened the stream; only the same credential may replace it.</summary>
    public string Credential { get; }

    /// <summary>Cancelled when a newer stream of the same instance and credential took this one's place.</summary>
    public CancellationToken Replaced => _replaced.Token;

    /// <summary>Whether a newer stream took this one's place.</summary>
    public bool WasReplaced => _replaced.IsCancellationRequested;

    /// <summary>A unique id of this stream, so that a late end of an old stream does not mark a reconnected sidecar gone.</summary>
    public string ConnectionId { get; } = Guid.NewGuid().ToString("N");

    /// <summary>The snapshots to send, newest only.</summary>
    public ChannelReader<PolicySnapshotData> Pending => _pending.Reader;

    /// <summary>The nonce of the last snapshot sent; only an answer naming it counts.</summary>
    public string? SentNonce => Volatile.Read(ref _sentNonce);

    /// <summary>The version of the last snapshot sent.</summary>
    public long SentVersion
    {
        get => Volatile.Read(ref _sentVersion);
        private set => Volatile.Write(ref _sentVersion, value);
    }

    /// <summary>Queues <paramref name="snapshot"/>, replacing any not yet sent; a version this stream was already sent is dropped.</summary>
    /// <remarks>A stream opened between a change and its debounced push was offered that version on opening: sending it
    /// again under a new nonce would turn the sidecar's ACK of the first copy into a stale answer, never recorded.</remarks>
    public void Offer(PolicySnapshotData snapshot)
    {
        if (snapshot.Version > SentVersion)
        {
            _pending.Writer.TryWrite(snapshot);
        }
    }

    /// <summary>Whether <paramref name="nonce"/> names the last snapshot sent and was not answered yet; true once per snapshot.</summary>
    /// <remarks>Called from the stream's one read loop only.</remarks>
    public bool TryAnswer(string nonce)
    {
        if (nonce.Length == 0 || nonce != SentNonce || nonce == _answeredNonce)
        {
            return false;
        }

        _answeredNonce = nonce;
        return true;
    }

    /// <summary>Records a snapshot as sent with <paramref name="nonce"/>.</summary>
    public void MarkSent(long version, string nonce)
    {
        SentVersion = version;
        Volatile.Write(ref _sentNonce, nonce);
    }

    public void Complete() => _pending.Writer.TryComplete();

    /// <summary>Ends this stream in favour of a newer one of the same instance and credential.</summary>
    public void Replace()
    {
        Complete();
        _replaced.Cancel();
    }
}
