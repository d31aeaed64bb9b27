using System.Globalization;
using System.Net;

namespace Mesh.Heal.Hosting;

/// <summary>A listener's address as the sidecar and the control plane accept it: <c>http(s)://IP:port</c>.</summary>
/// <remarks>
/// Accepted hosts are an IPv4 address, a bracketed IPv6 address (<c>[::1]</c>), <c>localhost</c> (the IPv4 loopback),
/// and <c>*</c>, <c>+</c> or <c>0.0.0.0</c> for every interface (<see cref="Address"/> null). The port is required;
/// 0 asks the OS for any free port. A trailing <c>/</c> is allowed, any other path is not. Other host names are
/// refused: a listener binds an address, and resolving a name at start-up would make the binding depend on DNS.
/// </remarks>
/// <param name="IsHttps">Whether the scheme is <c>https</c>.</param>
/// <param name="Address">The address to bind; null for every interface.</param>
/// <param name="Port">The port; 0 for any free port.</param>
public readonly record struct ListenAddress(bool IsHttps, IPAddress? Address, int Port)
{
    /// <summary>Whether the listener binds every interface.</summary>
    public bool IsAnyAddress => Address is null;

    /// <summary>Whether the listener binds a loopback address only.</summary>
    public bool IsLoopback => Address is not null && IPAddress.IsLoopback(Address);

    /// <summary>The accepted forms, as error messages state them.</summary>
    /// <param name="allowHttps">Whether <c>https://</c> is among them.</param>
    public static string AcceptedForms(bool allowHttps) => allowHttps
        ? "http://IP:port or https://IP:port (localhost, [IPv6], or * for every interface; port 0 for any free port)"
        : "http://IP:port (localhost, [IPv6], or * for every interface; port 0 for any free port)";

    /// <summary>Parses a listen address that may be <c>http://</c> or <c>https://</c>.</summary>
    /// <param name="text">The setting's value.</param>
    /// <param name="address">The address, when it parses.</param>
    /// <param name="error">Otherwise what is wrong and the accepted forms, such as <c>'x' is not a listen address; accepted: ...</c>.</param>
    public static bool TryParse(string? text, out ListenAddress address, out string error) => TryParse(text, allowHttps: true, out address, out error);

    /// <summary>Parses a listen address.</summary>
    /// <param name="text">The setting's value.</param>
    /// <param name="allowHttps">Whether <c>https://</c> is accepted; <c>http://</c> always is.</param>
    /// <param name="address">The address, when it parses.</param>
    /// <param name="error">Otherwise what is wrong and the accepted forms, such as <c>'x' is not a listen address; accepted: ...</c>.</param>
    public static bool TryParse(string? text, bool allowHttps, out ListenAddress address, out string error)
    {
        address = default;
        if (Parse(text, allowHttps) is { } parsed)
        {
            address = parsed;
            error = string.Empty;
            return true;
        }

        error = $"'{text}' is not a listen address; accepted: {AcceptedForms(allowHttps)}";
        return false;
    }

    /// <summary>The address in the form it was accepted in, such as <c>http://127.0.0.1:0</c> or <c>https://*:443</c>.</summary>
    public override string ToString()
    {
        var host = Address switch
        {
            null => "*",
            { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } v6 => $"[{v6}]",
            var v4 => v4.ToString(),
        };
        return string.Create(CultureInfo.InvariantCulture, $"{(IsHttps ? "https" : "http")}://{host}:{Port}");
    }

    private static ListenAddress? Parse(string? text, bool allowHttps)
    {
        if (text is null)
        {
            return null;
        }

        var rest = text.AsSpan();
        bool https;
        if (rest.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            https = false;
            rest = rest["http://".Length..];
        }
        else if (allowHttps && rest.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            https = true;
            rest = rest["https://".Length..];
        }
        else
        {
            return null;
        }

        if (rest.EndsWith("/"))
        {
            rest = rest[..^1];
        }

        var colon = rest.LastIndexOf(':');
        if (colon <= 0 || rest[(colon + 1)..] is not { Length: > 0 and <= 5 } portText
            || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            return null;
        }

        var host = rest[..colon];
        if (host is "*" or "+" or "0.0.0.0")
        {
            return new ListenAddress(https, null, port);
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new ListenAddress(https, IPAddress.Loopback, port);
        }

        if (host is ['[', .. var v6, ']'])
        {
            return IPAddress.TryParse(v6, out var ipv6) && ipv6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                ? new ListenAddress(https, ipv6, port)
                : null;
        }

        // Only dotted IPv4 here: IPAddress.TryParse also takes "1", "0x7f.1" and unbracketed IPv6, which are mistakes in a URL.
        return host.IndexOfAnyExcept("0123456789.") < 0 && host.Count('.') == 3
            && IPAddress.TryParse(host, out var ipv4) && ipv4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? new ListenAddress(https, ipv4, port)
            : null;
    }
}
