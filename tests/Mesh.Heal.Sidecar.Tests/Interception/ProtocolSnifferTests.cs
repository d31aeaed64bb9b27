using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Mesh.Heal.Sidecar.Interception.Internal;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Heal.Sidecar.Tests.Interception;

public class ProtocolSnifferTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(100);

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("HEAD /x HTTP/1.1\r\n")]
    [InlineData("POST /orders HTTP/1.1\r\n")]
    [InlineData("PUT /a HTTP/1.0\r\n")]
    [InlineData("DELETE /a HTTP/1.1\r\n")]
    [InlineData("OPTIONS * HTTP/1.1\r\n")]
    [InlineData("PATCH /a HTTP/1.1\r\n")]
    [InlineData("TRACE / HTTP/1.1\r\n")]
    [InlineData("CONNECT orders:443 HTTP/1.1\r\n")]
    [InlineData("GET ")]
    public void Classify_AnHttp1RequestLine_IsHttp(string bytes) => Assert.Equal(SniffedProtocol.Http, Classify(bytes));

    [Theory]
    [InlineData("G")]
    [InlineData("GE")]
    [InlineData("GET")]
    [InlineData("P")]
    [InlineData("PA")]
    [InlineData("OPTIONS")]
    [InlineData("CONNEC")]
    public void Classify_APrefixOfAMethod_IsUndecided(string bytes) => Assert.Equal(SniffedProtocol.Undecided, Classify(bytes));

    [Theory]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")]
    [InlineData("GETX / HTTP/1.1\r\n")]
    [InlineData("get / HTTP/1.1\r\n")]
    [InlineData("PROPFIND / HTTP/1.1\r\n")]
    [InlineData("SSH-2.0-OpenSSH_9.6\r\n")]
    [InlineData("*1\r\n$4\r\nPING\r\n")]
    [InlineData("X")]
    public void Classify_AnythingElse_IsOpaque(string bytes) => Assert.Equal(SniffedProtocol.Opaque, Classify(bytes));

    [Fact]
    public void Classify_ATlsRecordOrBinary_IsTlsOrOpaque()
    {
        Assert.Equal(SniffedProtocol.Tls, ProtocolSniffer.Classify(new ReadOnlySequence<byte>([0x16, 0x03, 0x01, 0x02, 0x00])));
        // A PostgreSQL startup message: a length, then the protocol version.
        Assert.Equal(SniffedProtocol.Opaque, ProtocolSniffer.Classify(new ReadOnlySequence<byte>([0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x2f])));
        Assert.Equal(SniffedProtocol.Undecided, ProtocolSniffer.Classify(ReadOnlySequence<byte>.Empty));
    }

    [Fact]
    public async Task SniffAsync_MethodSplitAcrossReads_WaitsThenIsHttp_NothingConsumed()
    {
        var pipe = new Pipe();
        var time = new FakeTimeProvider();

        await pipe.Writer.WriteAsync("GE"u8.ToArray());
        var sniff = ProtocolSniffer.SniffAsync(pipe.Reader, Timeout, time, CancellationToken.None).AsTask();
        await pipe.Writer.WriteAsync("T"u8.ToArray());
        Assert.False(sniff.IsCompleted);
        await pipe.Writer.WriteAsync(" /a HTTP/1.1\r\n"u8.ToArray());

        Assert.Equal(SniffedProtocol.Http, await sniff);
        Assert.Equal("GET /a HTTP/1.1\r\n", await ReadAllBufferedAsync(pipe));
    }

    [Fact]
    public async Task SniffAsync_TheH2PrefaceSplitAcrossReads_IsOpaque_NothingConsumed()
    {
        var pipe = new Pipe();
        var sniff = ProtocolSniffer.SniffAsync(pipe.Reader, Timeout, new FakeTimeProvider(), CancellationToken.None).AsTask();

        await pipe.Writer.WriteAsync("P"u8.ToArray());
        Assert.False(sniff.IsCompleted);
        await pipe.Writer.WriteAsync("RI * HTTP/2.0\r\n"u8.ToArray());

        Assert.Equal(SniffedProtocol.Opaque, await sniff);
        Assert.Equal("PRI * HTTP/2.0\r\n", await ReadAllBufferedAsync(pipe));
    }

    [Fact]
    public async Task SniffAsync_NoByteWithinTheTimeout_IsSilent_AndTheReaderStillWorks()
    {
        var pipe = new Pipe();
        var time = new FakeTimeProvider();
        var sniff = ProtocolSniffer.SniffAsync(pipe.Reader, Timeout, time, CancellationToken.None).AsTask();

        time.Advance(Timeout - TimeSpan.FromMilliseconds(1));
        Assert.False(sniff.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(SniffedProtocol.Silent, await sniff);
        // A server-first protocol: the client answers the greeting later, through the same reader.
        await pipe.Writer.WriteAsync("hello"u8.ToArray());
        Assert.Equal("hello", await ReadAllBufferedAsync(pipe));
    }

    [Fact]
    public async Task SniffAsync_AnUndecidedPrefixThenTimeout_IsSilent_ThePrefixKept()
    {
        var pipe = new Pipe();
        var time = new FakeTimeProvider();
        await pipe.Writer.WriteAsync("PO"u8.ToArray());
        var sniff = ProtocolSniffer.SniffAsync(pipe.Reader, Timeout, time, CancellationToken.None).AsTask();

        time.Advance(Timeout);

        Assert.Equal(SniffedProtocol.Silent, await sniff);
        // Kept unconsumed: the opaque splice takes it with TryRead (a read would wait, the bytes having been examined).
        Assert.True(pipe.Reader.TryRead(out var kept));
        Assert.Equal("PO", Encoding.ASCII.GetString(kept.Buffer.ToArray()));
        Assert.False(kept.IsCanceled);
    }

    [Fact]
    public async Task SniffAsync_CallerClosesBeforeDeciding_IsOpaque()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync("GE"u8.ToArray());
        await pipe.Writer.CompleteAsync();

        Assert.Equal(SniffedProtocol.Opaque, await ProtocolSniffer.SniffAsync(pipe.Reader, Timeout, new FakeTimeProvider(), CancellationToken.None));
    }

    [Fact]
    public async Task SniffAsync_ConnectionClosed_Throws()
    {
        var pipe = new Pipe();
        using var closed = new CancellationTokenSource();
        var sniff = ProtocolSniffer.SniffAsync(pipe.Reader, Timeout, new FakeTimeProvider(), closed.Token).AsTask();

        await closed.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sniff);
    }

    private static SniffedProtocol Classify(string bytes) => ProtocolSniffer.Classify(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(bytes)));

    /// <summary>What the next reader sees at once: the sniffed bytes must still be there, unexamined.</summary>
    private static async Task<string> ReadAllBufferedAsync(Pipe pipe)
    {
        var read = pipe.Reader.ReadAsync();
        Assert.True(read.IsCompleted, "the next read waited: the sniffer left the bytes examined");
        var result = await read;
        var text = Encoding.ASCII.GetString(result.Buffer.ToArray());
        pipe.Reader.AdvanceTo(result.Buffer.End);
        return text;
    }
}
