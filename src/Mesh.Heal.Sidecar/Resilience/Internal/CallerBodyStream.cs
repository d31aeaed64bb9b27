namespace Mesh.Heal.Sidecar.Resilience.Internal;

/// <summary>The caller's request body, read through a stream that remembers whether the caller failed to deliver it.</summary>
/// <remarks>
/// A caller that trickles its body (or resets mid-body) holds the forwarder waiting on a read from the caller; when the
/// attempt's timeout then cancels that read, the timeout is the caller's, not the upstream's. A read that is still
/// outstanding, or that ended in an error or a cancellation, marks the body as failed on the caller's side; a body the
/// sidecar was writing to a slow upstream has no read outstanding, so that timeout stays the upstream's.
/// </remarks>
internal sealed class CallerBodyStream(Stream inner) : Stream
{
    private int _pending;
    private int _failed;
    private int _completed;

    /// <summary>A read from the caller was outstanding, or failed, before the body was complete.</summary>
    public bool CallerFailed => Volatile.Read(ref _completed) == 0 && (Volatile.Read(ref _failed) == 1 || Volatile.Read(ref _pending) > 0);

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _pending);
        try
        {
            var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0 && buffer.Length > 0)
            {
                Volatile.Write(ref _completed, 1);
            }

            return read;
        }
        catch
        {
            Volatile.Write(ref _failed, 1);
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        Interlocked.Increment(ref _pending);
        try
        {
            var read = inner.Read(buffer);
            if (read == 0 && buffer.Length > 0)
            {
                Volatile.Write(ref _completed, 1);
            }

            return read;
        }
        catch
        {
            Volatile.Write(ref _failed, 1);
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
