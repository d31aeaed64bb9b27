using System.Net;
using Mesh.Heal.Hosting;

namespace Mesh.Heal.Core.Tests.Hosting;

public class ListenAddressTests
{
    [Theory]
    [InlineData("http://127.0.0.1:0", false, "127.0.0.1", 0)]
    [InlineData("http://127.0.0.1:15001/", false, "127.0.0.1", 15001)]
    [InlineData("HTTP://10.1.2.3:65535", false, "10.1.2.3", 65535)]
    [InlineData("http://[::1]:0", false, "::1", 0)]
    [InlineData("http://[::]:8080", false, "::", 8080)]
    [InlineData("http://localhost:15000", false, "127.0.0.1", 15000)]
    [InlineData("https://127.0.0.1:443", true, "127.0.0.1", 443)]
    public void TryParse_AcceptedForm_GivesAddressAndPort(string text, bool https, string ip, int port)
    {
        Assert.True(ListenAddress.TryParse(text, out var address, out var error), error);

        Assert.Equal(new ListenAddress(https, IPAddress.Parse(ip), port), address);
        Assert.Empty(error);
    }

    [Theory]
    [InlineData("http://*:15010")]
    [InlineData("http://+:15010")]
    [InlineData("http://0.0.0.0:15010")]
    public void TryParse_EveryInterface_HasNoAddress(string text)
    {
        Assert.True(ListenAddress.TryParse(text, out var address, out _));

        Assert.True(address.IsAnyAddress);
        Assert.False(address.IsLoopback);
        Assert.Equal(15010, address.Port);
    }

    [Theory]
    [InlineData("http://127.0.0.1")]
    [InlineData("http://127.0.0.1:")]
    [InlineData("http://example.com:80")]
    [InlineData("ftp://127.0.0.1:1")]
    [InlineData("127.0.0.1:80")]
    [InlineData("http://127.0.0.1:65536")]
    [InlineData("http://127.0.0.1:-1")]
    [InlineData("http://127.0.0.1:80/path")]
    [InlineData("http://::1:80")]
    [InlineData("http://[127.0.0.1]:80")]
    [InlineData("http://1:80")]
    [InlineData("not a url")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_RejectedForm_NamesTheValueAndTheAcceptedForms(string? text)
    {
        Assert.False(ListenAddress.TryParse(text, out _, out var error));

        Assert.Equal($"'{text}' is not a listen address; accepted: http://IP:port or https://IP:port (localhost, [IPv6], or * for every interface; port 0 for any free port)", error);
    }

    [Fact]
    public void TryParse_HttpsWhenOnlyHttpIsAllowed_IsRejected_NamingHttpOnly()
    {
        Assert.False(ListenAddress.TryParse("https://127.0.0.1:0", allowHttps: false, out _, out var error));

        Assert.Contains("accepted: http://IP:port (", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:0", true)]
    [InlineData("http://[::1]:0", true)]
    [InlineData("http://10.0.0.1:0", false)]
    [InlineData("http://*:0", false)]
    public void IsLoopback_IsTrueForLoopbackAddressesOnly(string text, bool loopback)
    {
        Assert.True(ListenAddress.TryParse(text, out var address, out _));

        Assert.Equal(loopback, address.IsLoopback);
    }

    [Theory]
    [InlineData("http://127.0.0.1:0/", "http://127.0.0.1:0")]
    [InlineData("https://[::1]:443", "https://[::1]:443")]
    [InlineData("http://+:80", "http://*:80")]
    public void ToString_GivesTheCanonicalForm(string text, string expected)
    {
        Assert.True(ListenAddress.TryParse(text, out var address, out _));

        Assert.Equal(expected, address.ToString());
    }
}
