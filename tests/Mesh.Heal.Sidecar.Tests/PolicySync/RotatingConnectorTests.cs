using System.Net;
using Mesh.Heal.Sidecar.PolicySync.Internal;
using Mesh.Heal.Sidecar.Tests.Integration;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Mesh.Heal.Sidecar.Tests.PolicySync;

/// <summary>
/// The control-plane channel's connector against a real HTTP server on 127.0.0.1, with the name resolved by a stand-in
/// resolver: a name with several records (127.0.0.2 refuses, nothing listens there) reaches the address that accepts.
/// </summary>
public sealed class RotatingConnectorTests : IDisposable
{
    private const string Name = "meshheal-control-plane.test";

    private readonly WireMockServer _server = Upstreams.Start();
    private readonly List<string> _resolved = [];

    public RotatingConnectorTests() =>
        _server.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithBody(request => request.Headers!["Host"].Single()));

    [Fact]
    public async Task NameWithSeveralRecords_ARefusingAddressIsSkipped_AndTheHostNameIsKept()
    {
        var connector = Connector(IPAddress.Parse("127.0.0.2"), IPAddress.Loopback);

        var host = await GetAsync(connector);

        Assert.Equal($"{Name}:{_server.Port}", host);
        Assert.Equal($"127.0.0.1:{_server.Port}", connector.LastEndpoint);
        Assert.Equal([Name], _resolved);
    }

    [Fact]
    public async Task EachNewConnection_ResolvesTheNameAgain_AndReachesTheRecordThatAccepts_WhereverItStarts()
    {
        // The first connection starts at the accepting record, the second at the refusing one and moves on: both connect.
        var connector = Connector(IPAddress.Loopback, IPAddress.Parse("127.0.0.2"));

        Assert.Equal($"{Name}:{_server.Port}", await GetAsync(connector));
        Assert.Equal($"{Name}:{_server.Port}", await GetAsync(connector));
        Assert.Equal([Name, Name], _resolved);
        Assert.Equal($"127.0.0.1:{_server.Port}", connector.LastEndpoint);
    }

    [Fact]
    public async Task NoRecordAccepts_TheConnectFails_SayingHowManyWereTried()
    {
        var connector = Connector(IPAddress.Parse("127.0.0.2"), IPAddress.Parse("127.0.0.3"));

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => GetAsync(connector));

        Assert.Contains($"none of the 2 addresses of {Name} accepted a connection", failure.ToString(), StringComparison.Ordinal);
        Assert.Null(connector.LastEndpoint);
    }

    [Fact]
    public async Task AnAddressLiteral_IsNotResolved()
    {
        var connector = Connector(IPAddress.Parse("127.0.0.2"));
        using var client = new HttpClient(new SocketsHttpHandler { ConnectCallback = connector.ConnectAsync });

        Assert.Equal($"127.0.0.1:{_server.Port}", await client.GetStringAsync($"http://127.0.0.1:{_server.Port}/"));
        Assert.Empty(_resolved);
    }

    public void Dispose() => _server.Stop();

    private RotatingConnector Connector(params IPAddress[] records) => new(
        (host, _) =>
        {
            lock (_resolved)
            {
                _resolved.Add(host);
            }

            return Task.FromResult(records);
        },
        TimeProvider.System);

    /// <summary>A GET on a new connection (a new handler each time), answered with the Host header the server saw.</summary>
    private async Task<string> GetAsync(RotatingConnector connector)
    {
        using var client = new HttpClient(new SocketsHttpHandler { ConnectCallback = connector.ConnectAsync });
        return await client.GetStringAsync($"http://{Name}:{_server.Port}/");
    }
}
