using System.Globalization;

namespace Mesh.Heal.Cli.Network;

/// <summary>The iptables commands <c>meshctl init-network</c> runs, as data: each is the argument list after
/// <c>iptables</c> (or <c>ip6tables</c>, the same rules with the IPv6 loopback), written the way <c>iptables -t nat -S</c>
/// prints the rule it makes.</summary>
/// <remarks>
/// Only its own nat chains, <see cref="OutputChain"/> and <see cref="PreroutingChain"/>, and one jump to each from
/// OUTPUT and PREROUTING for TCP. The plan depends on what the table holds now (<c>iptables -t nat -S</c>): a chain that
/// exists is flushed and refilled rather than made again, and a jump already there is not added twice, so running it
/// again leaves the same rules. Removal deletes every copy of the jumps and then the chains, and nothing else.
/// </remarks>
internal static class IptablesPlan
{
    /// <summary>The chain OUTPUT jumps to for TCP: the application's outbound connections.</summary>
    public const string OutputChain = "MESHHEAL_OUTPUT";

    /// <summary>The chain PREROUTING jumps to for TCP: connections arriving for the service ports.</summary>
    public const string PreroutingChain = "MESHHEAL_PREROUTING";

    private static readonly (string Builtin, string Chain)[] Jumps = [("OUTPUT", OutputChain), ("PREROUTING", PreroutingChain)];

    /// <summary>The IPv4 loopback, whose explicit calls (to the sidecar, the admin port) are never redirected.</summary>
    public const string Ipv4Loopback = "127.0.0.0/8";

    /// <summary>The IPv6 loopback, as <c>ip6tables -S</c> prints it.</summary>
    public const string Ipv6Loopback = "::1/128";

    /// <summary>The commands that install the rules for <paramref name="options"/> on a nat table whose
    /// <c>iptables -t nat -S</c> output is <paramref name="current"/>.</summary>
    /// <param name="options">What to install.</param>
    /// <param name="current">The table's rules now.</param>
    /// <param name="loopback">The loopback network of the table's family: <see cref="Ipv4Loopback"/> or <see cref="Ipv6Loopback"/>.</param>
    public static IReadOnlyList<string[]> Install(InitNetworkOptions options, IReadOnlyCollection<string> current, string loopback = Ipv4Loopback)
    {
        var commands = new List<string[]>();
        foreach (var (_, chain) in Jumps)
        {
            commands.Add(Nat(current.Contains("-N " + chain) ? "-F" : "-N", chain));
        }

        commands.Add(Nat("-A", OutputChain, "-m", "owner", "--uid-owner", Text(options.ProxyUid), "-j", "RETURN"));
        commands.Add(Nat("-A", OutputChain, "-d", loopback, "-o", "lo", "-j", "RETURN"));
        foreach (var port in options.ExcludedPorts)
        {
            commands.Add(Nat("-A", OutputChain, "-p", "tcp", "-m", "tcp", "--dport", Text(port), "-j", "RETURN"));
        }

        if (options.OutboundPorts is null)
        {
            commands.Add(Nat("-A", OutputChain, "-p", "tcp", "-j", "REDIRECT", "--to-ports", Text(options.OutboundPort)));
        }
        else
        {
            foreach (var port in options.OutboundPorts)
            {
                commands.Add(Nat("-A", OutputChain, "-p", "tcp", "-m", "tcp", "--dport", Text(port), "-j", "REDIRECT", "--to-ports", Text(options.OutboundPort)));
            }
        }

        foreach (var port in options.ServicePorts)
        {
            commands.Add(Nat("-A", PreroutingChain, "-p", "tcp", "-m", "tcp", "--dport", Text(port), "-j", "REDIRECT", "--to-ports", Text(options.InboundPort)));
        }

        // The jumps go in last, so no connection meets a half-filled chain.
        foreach (var (builtin, chain) in Jumps)
        {
            if (!current.Contains(JumpRule(builtin, chain)))
            {
                commands.Add(Nat("-A", builtin, "-p", "tcp", "-j", chain));
            }
        }

        return commands;
    }

    /// <summary>The commands that remove every jump to its chains and the chains themselves from a nat table whose
    /// <c>iptables -t nat -S</c> output is <paramref name="current"/>; none when nothing of it is there.</summary>
    public static IReadOnlyList<string[]> Remove(IReadOnlyCollection<string> current)
    {
        var commands = new List<string[]>();
        foreach (var (builtin, chain) in Jumps)
        {
            var jump = JumpRule(builtin, chain);
            commands.AddRange(current.Where(line => line == jump).Select(_ => Nat("-D", builtin, "-p", "tcp", "-j", chain)));
        }

        foreach (var (_, chain) in Jumps)
        {
            if (current.Contains("-N " + chain))
            {
                commands.Add(Nat("-F", chain));
                commands.Add(Nat("-X", chain));
            }
        }

        return commands;
    }

    /// <summary>A command as one line, <c>iptables -t nat ...</c> (what <c>--dry-run</c> prints).</summary>
    public static string Format(IEnumerable<string> command) => Format(command, "iptables");

    /// <summary>A command as one line for <paramref name="program"/>: <c>ip6tables -t nat ...</c> for the IPv6 table.</summary>
    public static string Format(IEnumerable<string> command, string program) => program + " " + string.Join(' ', command);

    private static string JumpRule(string builtin, string chain) => $"-A {builtin} -p tcp -j {chain}";

    private static string[] Nat(params string[] args) => ["-t", "nat", .. args];

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
