using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mesh.Heal.Sidecar.Tests.Integration;

/// <summary>A caller that speaks HTTP/1.1 over a raw socket: it can send slowly, send malformed requests and reuse one connection.</summary>
internal sealed class RawCaller : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<byte> _pending = [];

    private RawCaller()
    {
    }

    public static async Task<RawCaller> ConnectAsync(Uri proxy)
    {
        var caller = new RawCaller();
        await caller._socket.ConnectAsync(IPAddress.Loopback, proxy.Port);
        return caller;
    }

    public Task SendAsync(string text) => SendAsync(Encoding.ASCII.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        var sent = 0;
        while (sent < bytes.Length)
        {
            sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None);
        }
    }

    /// <summary>Reads one response framed by Content-Length (or until close), failing after the deadline.</summary>
    public async Task<RawResponse> ReadResponseAsync(TimeSpan? deadline = null)
    {
        using var timeout = new CancellationTokenSource(deadline ?? TimeSpan.FromSeconds(15));
        int headerEnd;
        while ((headerEnd = IndexOfHeaderEnd()) < 0)
        {
            if (!await ReceiveMoreAsync(timeout.Token))
            {
                throw new IOException("connection closed before a whole response head: " + Encoding.ASCII.GetString(_pending.ToArray()));
            }
        }

        var head = Encoding.ASCII.GetString(_pending.GetRange(0, headerEnd).ToArray());
        _pending.RemoveRange(0, headerEnd + 4);
        var lines = head.Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new List<(string Name, string Value)>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add((line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }

        var lengthHeader = headers.FirstOrDefault(h => h.Name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)).Value;
        if (headers.Any(h => h.Name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)))
        {
            return new RawResponse(status, headers, await ReadChunkedAsync(timeout.Token));
        }

        var length = lengthHeader is null ? 0 : int.Parse(lengthHeader, System.Globalization.CultureInfo.InvariantCulture);
        while (_pending.Count < length)
        {
            if (!await ReceiveMoreAsync(timeout.Token))
            {
                throw new IOException($"connection closed after {_pending.Count} of {length} body bytes");
            }
        }

        var body = Encoding.UTF8.GetString(_pending.GetRange(0, length).ToArray());
        _pending.RemoveRange(0, length);
        return new RawResponse(status, headers, body);
    }

    /// <summary>Closes the connection with a reset, as a caller that crashed mid-request.</summary>
    public void Reset()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    public void Dispose() => _socket.Dispose();

    private async Task<string> ReadChunkedAsync(CancellationToken cancellationToken)
    {
        var body = new List<byte>();
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken);
            var size = int.Parse(line.Split(';')[0], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
            if (size == 0)
            {
                while ((await ReadLineAsync(cancellationToken)).Length > 0)
                {
                }

                return Encoding.UTF8.GetString(body.ToArray());
            }

            while (_pending.Count < size + 2)
            {
                if (!await ReceiveMoreAsync(cancellationToken))
                {
                    throw new IOException("connection closed inside a chunk");
                }
            }

            body.AddRange(_pending.GetRange(0, size));
            _pending.RemoveRange(0, size + 2);
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        int end;
        while ((end = IndexOfCrLf()) < 0)
        {
            if (!await ReceiveMoreAsync(cancellationToken))
            {
                throw new IOException("connection closed inside a chunked body");
            }
        }

        var line = Encoding.ASCII.GetString(_pending.GetRange(0, end).ToArray());
        _pending.RemoveRange(0, end + 2);
        return line;
    }

    private int IndexOfCrLf()
    {
        for (var i = 0; i + 1 < _pending.Count; i++)
        {
            if (_pending[i] == '\r' && _pending[i + 1] == '\n')
            {
                return i;
            }
        }

        return -1;
    }

    private int IndexOfHeaderEnd()
    {
        for (var i = 0; i + 3 < _pending.Count; i++)
        {
            if (_pending[i] == '\r' && _pending[i + 1] == '\n' && _pending[i + 2] == '\r' && _pending[i + 3] == '\n')
            {
                return i;
            }
        }

        return -1;
    }

    private async Task<bool> ReceiveMoreAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var read = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
        _pending.AddRange(buffer.AsSpan(0, read).ToArray());
        return read > 0;
    }
}

/// <summary>One response read by <see cref="RawCaller"/>.</summary>
internal sealed record RawResponse(int Status, IReadOnlyList<(string Name, string Value)> Headers, string Body)
{
    public string? Header(string name) => Headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
}
