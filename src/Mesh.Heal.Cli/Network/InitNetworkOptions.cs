using System.Globalization;
using Mesh.Heal.Interception;

namespace Mesh.Heal.Cli.Network;

/// <summary>What <c>meshctl init-network</c> was asked to do, parsed and checked.</summary>
/// <param name="ProxyUid">The sidecar's uid (install only).</param>
/// <param name="OutboundPort">The sidecar's outbound listener port.</param>
/// <param name="InboundPort">The sidecar's inbound listener port.</param>
/// <param name="ServicePorts">The application's ports whose inbound TCP goes to the inbound listener.</param>
/// <param name="OutboundPorts">The destination ports redirected outbound; null for all TCP.</param>
/// <param name="ExcludedPorts">Destination ports never redirected outbound.</param>
/// <param name="Remove">Remove the rules instead of installing them.</param>
/// <param name="DryRun">Print the iptables commands instead of running them.</param>
/// <param name="Ipv6">Whether the same rules go into ip6tables: <c>auto</c> (default) when ip6tables is there and can read
/// its nat table, <c>on</c> always (a failure is an error), <c>off</c> never.</param>
internal sealed record InitNetworkOptions(
    int ProxyUid, int OutboundPort, int InboundPort, IReadOnlyList<int> ServicePorts, IReadOnlyList<int>? OutboundPorts,
    IReadOnlyList<int> ExcludedPorts, bool Remove, bool DryRun, Ipv6Mode Ipv6 = Ipv6Mode.Auto)
{
    public const string Usage = "usage: meshctl init-network --proxy-uid <uid> [--outbound-port 15001] [--inbound-port 15006] "
        + "[--service-ports 8080,9090] [--outbound-ports <all|p1,p2>] [--exclude-ports 15000,15010,15080] [--ipv6 auto|on|off] [--dry-run]; "
        + "meshctl init-network --remove [--ipv6 auto|on|off] [--dry-run]";

    private const string PortAccepted = "a TCP port, 1 to 65535";
    private const string PortsAccepted = "a comma-separated list of TCP ports, 1 to 65535 each";

    /// <summary>Parses the arguments after <c>init-network</c>; on a wrong one returns null and says which flag and what it accepts.</summary>
    public static InitNetworkOptions? Parse(IReadOnlyList<string> args, out string error)
    {
        error = string.Empty;
        int? proxyUid = null;
        var outbound = InterceptionDefaults.OutboundPort;
        var inbound = InterceptionDefaults.InboundPort;
        IReadOnlyList<int> service = [];
        IReadOnlyList<int>? outboundPorts = null;
        var excluded = InterceptionDefaults.ExcludedPorts;
        bool remove = false, dryRun = false;
        var ipv6 = Ipv6Mode.Auto;
        var installFlags = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var flag = args[i];
            if (flag is "--remove" or "--dry-run")
            {
                remove |= flag == "--remove";
                dryRun |= flag == "--dry-run";
                continue;
            }

            if (flag is not ("--proxy-uid" or "--outbound-port" or "--inbound-port" or "--service-ports" or "--outbound-ports" or "--exclude-ports" or "--ipv6"))
            {
                error = $"'{flag}' is not a flag of init-network; {Usage}";
                return null;
            }

            if (i + 1 >= args.Count)
            {
                error = $"{flag} needs a value; accepted: {Accepted(flag)}";
                return null;
            }

            var value = args[++i];
            if (flag != "--ipv6")
            {
                installFlags.Add(flag);
            }

            var ok = flag switch
            {
                "--ipv6" => TryIpv6(value, out ipv6),
                "--proxy-uid" => TryUid(value, out proxyUid),
                "--outbound-port" => TryPort(value, out outbound),
                "--inbound-port" => TryPort(value, out inbound),
                "--service-ports" => TryPorts(value, allowEmpty: true, out service),
                "--outbound-ports" => value == "all" ? Set(out outboundPorts, null) : TryPorts(value, allowEmpty: false, out outboundPorts),
                _ => TryPorts(value, allowEmpty: true, out excluded),
            };
            if (!ok)
            {
                error = $"{flag} '{value}' is not accepted; accepted: {Accepted(flag)}";
                return null;
            }
        }

        if (remove)
        {
            if (installFlags.Count > 0)
            {
                error = $"{installFlags[0]} is not accepted with --remove; accepted with --remove: --ipv6 and --dry-run only";
                return null;
            }

            return new InitNetworkOptions(0, outbound, inbound, [], null, [], Remove: true, dryRun, ipv6);
        }

        if (proxyUid is null)
        {
            error = $"--proxy-uid is required; accepted: {Accepted("--proxy-uid")} (the sidecar's uid, {InterceptionDefaults.ProxyUid} in injected pods)";
            return null;
        }

        if (outbound == inbound)
        {
            error = $"--inbound-port '{inbound}' is not accepted; accepted: a TCP port other than --outbound-port ({outbound})";
            return null;
        }

        return new InitNetworkOptions(proxyUid.Value, outbound, inbound, service, outboundPorts, excluded, Remove: false, dryRun, ipv6);
    }

    private static string Accepted(string flag) => flag switch
    {
        "--proxy-uid" => "a numeric uid, 0 to 4294967294",
        "--outbound-port" or "--inbound-port" => PortAccepted,
        "--outbound-ports" => "all, or " + PortsAccepted,
        "--ipv6" => "auto, on or off",
        _ => PortsAccepted + " (empty for none)",
    };

    private static bool Set<T>(out T target, T value)
    {
        target = value;
        return true;
    }

    private static bool TryUid(string value, out int? uid)
    {
        // iptables' owner match takes uids up to 2^32 - 2; an int holds what real images use.
        uid = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
        return uid is not null;
    }

    private static bool TryIpv6(string value, out Ipv6Mode mode)
    {
        mode = value switch
        {
            "auto" => Ipv6Mode.Auto,
            "on" => Ipv6Mode.On,
            "off" => Ipv6Mode.Off,
            _ => (Ipv6Mode)(-1),
        };
        return Enum.IsDefined(mode);
    }

    private static bool TryPort(string value, out int port) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535;

    private static bool TryPorts(string value, bool allowEmpty, out IReadOnlyList<int> ports)
    {
        var list = new List<int>();
        ports = list;
        if (value.Length == 0)
        {
            return allowEmpty;
        }

        foreach (var part in value.Split(','))
        {
            if (!TryPort(part.Trim(), out var port))
            {
                return false;
            }

            if (!list.Contains(port))
            {
                list.Add(port);
            }
        }

        return true;
    }
}
