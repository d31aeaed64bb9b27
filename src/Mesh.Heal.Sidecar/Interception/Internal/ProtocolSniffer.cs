using System.Buffers;
using System.IO.Pipelines;

namespace Mesh.Heal.Sidecar.Interception.Internal;

/// <summary>What the first bytes of a connection say it speaks.</summary>
internal enum SniffedProtocol
{
    /// <summary>Not decided yet: the bytes so far begin an HTTP/1.x request line.</summary>
    Undecided,

    /// <summary>An HTTP/1.x request line (a known method and a space).</summary>
    Http,

    /// <summary>A TLS handshake record (first byte 0x16).</summary>
    Tls,

    /// <summary>Anything else: the h2 preface, binary, or the caller closed before the bytes decided.</summary>
    Opaque,

    /// <summary>The timeout passed before the bytes decided (no byte at all: a server-first protocol waiting for its greeting).</summary>
    Silent,
}

/// <summary>Peeks the first bytes of a connection, without consuming them, until they tell its protocol.</summary>
/// <remarks>
/// One peek serves every listener that needs it (the proxy listener's redirected connections, the inbound listener's
/// TLS split), so the bytes are read once. While undecided everything read is marked examined (so the next read waits
/// for more); once decided nothing is, and the next reader (Kestrel's HTTP or TLS handler, or the TCP splice) gets the
/// same bytes at once.
/// </remarks>
internal static class ProtocolSniffer
{
    private const byte TlsHandshakeRecord = 0x16;

    private static readonly byte[][] Methods =
    [
        "GET "u8.ToArray(), "HEAD "u8.ToArray(), "POST "u8.ToArray(), "PUT "u8.ToArray(), "DELETE "u8.ToArray(),
        "OPTIONS "u8.ToArray(), "PATCH "u8.ToArray(), "TRACE "u8.ToArray(), "CONNECT "u8.ToArray(),
    ];

    private static readonly int LongestMethod = MaxLength();

    /// <summary>Classifies the bytes read so far.</summary>
    public static SniffedProtocol Classify(ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return SniffedProtocol.Undecided;
        }

        Span<byte> head = stackalloc byte[LongestMethod];
        var length = (int)Math.Min(buffer.Length, LongestMethod);
        buffer.Slice(0, length).CopyTo(head);
        head = head[..length];
        if (head[0] == TlsHandshakeRecord)
        {
            return SniffedProtocol.Tls;
        }

        var undecided = false;
        foreach (var method in Methods)
        {
            if (head.Length >= method.Length)
            {
                if (head.StartsWith(method))
                {
                    return SniffedProtocol.Http;
                }
            }
            else if (method.AsSpan().StartsWith(head))
            {
                undecided = true;
            }
        }

        return undecided ? SniffedProtocol.Undecided : SniffedProtocol.Opaque;
    }

    /// <summary>Reads <paramref name="input"/> until its first bytes decide, or <paramref name="timeout"/> passes without
    /// a decision (then <see cref="SniffedProtocol.Silent"/>: a server-first protocol sends nothing until it is greeted).</summary>
    /// <returns>The protocol, never <see cref="SniffedProtocol.Undecided"/>; the bytes read stay unconsumed (after
    /// <see cref="SniffedProtocol.Silent"/> with some bytes read they stay examined too: take them with <c>TryRead</c>).</returns>
    /// <exception cref="OperationCanceledException"><paramref name="closed"/> was cancelled.</exception>
    public static async ValueTask<SniffedProtocol> SniffAsync(PipeReader input, TimeSpan timeout, TimeProvider time, CancellationToken closed)
    {
        // The deadline cancels the pending read rather than the read's token: a cancelled read still hands back the
        // bytes, so they can be left unexamined for the next reader (after a token cancellation the next read would
        // wait for more bytes than those already examined).
        using var deadline = new CancellationTokenSource(timeout, time);
        var reading = deadline.Token.UnsafeRegister(static state => ((PipeReader)state!).CancelPendingRead(), input);
        var protocol = SniffedProtocol.Undecided;
        var observedCancel = false;
        try
        {
            while (protocol == SniffedProtocol.Undecided)
            {
                var result = await input.ReadAsync(closed).ConfigureAwait(false);
                var buffer = result.Buffer;
                protocol = Classify(buffer);
                if (protocol != SniffedProtocol.Undecided || result.IsCompleted || result.IsCanceled)
                {
                    observedCancel = result.IsCanceled;
                    input.AdvanceTo(buffer.Start);
                    if (protocol == SniffedProtocol.Undecided)
                    {
                        protocol = result.IsCompleted ? SniffedProtocol.Opaque : SniffedProtocol.Silent;
                    }
                }
                else
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                }
            }
        }
        finally
        {
            // Waits for a deadline callback that is running, so a cancellation it left pending is seen below.
            reading.Dispose();
        }

        if (deadline.IsCancellationRequested && !observedCancel && input.TryRead(out var late))
        {
            // The deadline passed just as the bytes decided: take its pending cancellation, so the next reader does
            // not see a cancelled read.
            input.AdvanceTo(late.Buffer.Start);
        }

        return protocol;
    }

    private static int MaxLength()
    {
        var max = 0;
        foreach (var method in Methods)
        {
            max = Math.Max(max, method.Length);
        }

        return max;
    }
}
