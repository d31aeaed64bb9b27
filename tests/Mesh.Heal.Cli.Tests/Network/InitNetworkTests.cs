using System.Text.Json.Nodes;
using Mesh.Heal.Cli.Network;
using Mesh.Heal.Injection;
using Mesh.Heal.Interception;

namespace Mesh.Heal.Cli.Tests.Network;

public class InitNetworkTests
{
    private static readonly string[] EmptyNat = ["-P PREROUTING ACCEPT", "-P INPUT ACCEPT", "-P OUTPUT ACCEPT", "-P POSTROUTING ACCEPT"];

    [Fact]
    public void Install_EmptyTable_MakesBothChains_FillsThem_AndJumpsLast()
    {
        var options = Parse("--proxy-uid", "1337", "--service-ports", "8080,9090");

        var lines = IptablesPlan.Install(options, EmptyNat).Select(IptablesPlan.Format).ToList();

        Assert.Equal(
        [
            "iptables -t nat -N MESHHEAL_OUTPUT",
            "iptables -t nat -N MESHHEAL_PREROUTING",
            "iptables -t nat -A MESHHEAL_OUTPUT -m owner --uid-owner 1337 -j RETURN",
            "iptables -t nat -A MESHHEAL_OUTPUT -d 127.0.0.0/8 -o lo -j RETURN",
            "iptables -t nat -A MESHHEAL_OUTPUT -p tcp -m tcp --dport 15000 -j RETURN",
            "iptables -t nat -A MESHHEAL_OUTPUT -p tcp -m tcp --dport 15010 -j RETURN",
            "iptables -t nat -A MESHHEAL_OUTPUT -p tcp -m tcp --dport 15080 -j RETURN",
            "iptables -t nat -A MESHHEAL_OUTPUT -p tcp -j REDIRECT --to-ports 15001",
            "iptables -t nat -A MESHHEAL_PREROUTING -p tcp -m tcp --dport 8080 -j REDIRECT --to-ports 15006",
            "iptables -t nat -A MESHHEAL_PREROUTING -p tcp -m tcp --dport 9090 -j REDIRECT --to-ports 15006",
            "iptables -t nat -A OUTPUT -p tcp -j MESHHEAL_OUTPUT",
            "iptables -t nat -A PREROUTING -p tcp -j MESHHEAL_PREROUTING",
        ], lines);
    }

    [Fact]
    public void Install_GivenPortsAndExclusions_RedirectsOnlyThoseOutboundPorts_ToTheGivenListeners()
    {
        var options = Parse("--proxy-uid", "999", "--outbound-port", "16001", "--inbound-port", "16006", "--outbound-ports", "80,8080",
            "--exclude-ports", "", "--service-ports", "3000");

        var lines = IptablesPlan.Install(options, EmptyNat).Select(IptablesPlan.Format).ToList();

        Assert.Equal(
        [
            "iptables -t nat -N MESHHEAL_OUTPUT",
            "iptables -t nat -N MESHHEAL_PREROUTING",
            "iptables -t nat -A MESHHEAL_OUTPUT -m owner --uid-owner 999 -j RETURN",
            "iptables -t nat -A MESHHEAL_OUTPUT -d 127.0.0.0/8 -o lo -j RETURN",
            "iptables -t nat -A MESHHEAL_OUTPUT -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 16001",
            "iptables -t nat -A MESHHEAL_OUTPUT -p tcp -m tcp --dport 8080 -j REDIRECT --to-ports 16001",
            "iptables -t nat -A MESHHEAL_PREROUTING -p tcp -m tcp --dport 3000 -j REDIRECT --to-ports 16006",
            "iptables -t nat -A OUTPUT -p tcp -j MESHHEAL_OUTPUT",
            "iptables -t nat -A PREROUTING -p tcp -j MESHHEAL_PREROUTING",
        ], lines);
    }

    [Fact]
    public void Install_AlreadyInstalled_FlushesAndRefillsItsChains_AndAddsNoSecondJump()
    {
        var options = Parse("--proxy-uid", "1337", "--exclude-ports", "", "--service-ports", "8080");
        string[] installed = [.. EmptyNat, "-N MESHHEAL_OUTPUT", "-N MESHHEAL_PREROUTING", "-A PREROUTING -p tcp -j MESHHEAL_PREROUTING",
            "-A OUTPUT -p tcp -j MESHHEAL_OUTPUT", "-A MESHHEAL_OUTPUT -p tcp -j REDIRECT --to-ports 15001"];

        var lines = IptablesPlan.Install(options, installed).Select(IptablesPlan.Format).ToList();

        Assert.Equal(
        [
            "iptables -t nat -F MESHHEAL_OUTPUT",
            "iptables -t nat -F MESHHEAL_PREROUTING",
            "iptables -t nat -A MESHHEAL_OUTPUT -m owner --uid-owner 1337 -j RETURN",
            "iptables -t nat -A MESHHEAL_OUTPUT -d 127.0.0.0/8 -o lo -j RETURN",
            "iptables -t nat -A MESHHEAL_OUTPUT -p tcp -j REDIRECT --to-ports 15001",
            "iptables -t nat -A MESHHEAL_PREROUTING -p tcp -m tcp --dport 8080 -j REDIRECT --to-ports 15006",
        ], lines);
    }

    [Fact]
    public void Install_Ipv6Table_SameChains_WithTheIpv6Loopback()
    {
        var options = Parse("--proxy-uid", "1337", "--service-ports", "8080");

        var lines = IptablesPlan.Install(options, EmptyNat, IptablesPlan.Ipv6Loopback).Select(c => IptablesPlan.Format(c, "ip6tables")).ToList();
        var ipv4 = IptablesPlan.Install(options, EmptyNat).Select(IptablesPlan.Format).ToList();

        Assert.Contains("ip6tables -t nat -A MESHHEAL_OUTPUT -d ::1/128 -o lo -j RETURN", lines);
        // Everything else is the IPv4 plan, rule for rule.
        Assert.Equal(
            ipv4.Select(l => l.Replace("-d 127.0.0.0/8", "-d ::1/128", StringComparison.Ordinal)),
            lines.Select(l => l["ip6tables ".Length..]).Select(l => "iptables " + l));
    }

    [Fact]
    public void Remove_Installed_DeletesEveryJumpCopyThenItsChains_AndNothingElse()
    {
        string[] installed = [.. EmptyNat, "-N MESHHEAL_OUTPUT", "-N MESHHEAL_PREROUTING", "-N OTHER",
            "-A OUTPUT -p tcp -j MESHHEAL_OUTPUT", "-A OUTPUT -p udp -j OTHER", "-A OUTPUT -p tcp -j MESHHEAL_OUTPUT",
            "-A PREROUTING -p tcp -j MESHHEAL_PREROUTING", "-A MESHHEAL_OUTPUT -p tcp -j REDIRECT --to-ports 15001"];

        var lines = IptablesPlan.Remove(installed).Select(IptablesPlan.Format).ToList();

        Assert.Equal(
        [
            "iptables -t nat -D OUTPUT -p tcp -j MESHHEAL_OUTPUT",
            "iptables -t nat -D OUTPUT -p tcp -j MESHHEAL_OUTPUT",
            "iptables -t nat -D PREROUTING -p tcp -j MESHHEAL_PREROUTING",
            "iptables -t nat -F MESHHEAL_OUTPUT",
            "iptables -t nat -X MESHHEAL_OUTPUT",
            "iptables -t nat -F MESHHEAL_PREROUTING",
            "iptables -t nat -X MESHHEAL_PREROUTING",
        ], lines);
    }

    [Fact]
    public void Remove_NothingInstalled_PlansNothing()
    {
        Assert.Empty(IptablesPlan.Remove(EmptyNat));
    }

    [Theory]
    [InlineData("--proxy-uid 1337 --outbound-port 0", "--outbound-port '0' is not accepted; accepted: a TCP port, 1 to 65535")]
    [InlineData("--proxy-uid 1337 --inbound-port 70000", "--inbound-port '70000' is not accepted; accepted: a TCP port, 1 to 65535")]
    [InlineData("--proxy-uid 1337 --service-ports 8080,x", "--service-ports '8080,x' is not accepted; accepted: a comma-separated list of TCP ports, 1 to 65535 each (empty for none)")]
    [InlineData("--proxy-uid 1337 --outbound-ports some", "--outbound-ports 'some' is not accepted; accepted: all, or a comma-separated list of TCP ports, 1 to 65535 each")]
    [InlineData("--proxy-uid -5", "--proxy-uid '-5' is not accepted; accepted: a numeric uid, 0 to 4294967294")]
    [InlineData("--proxy-uid envoy", "--proxy-uid 'envoy' is not accepted; accepted: a numeric uid, 0 to 4294967294")]
    [InlineData("--service-ports 8080", "--proxy-uid is required; accepted: a numeric uid, 0 to 4294967294 (the sidecar's uid, 1337 in injected pods)")]
    [InlineData("--proxy-uid 1337 --inbound-port 15001", "--inbound-port '15001' is not accepted; accepted: a TCP port other than --outbound-port (15001)")]
    [InlineData("--remove --proxy-uid 1337", "--proxy-uid is not accepted with --remove; accepted with --remove: --ipv6 and --dry-run only")]
    [InlineData("--proxy-uid", "--proxy-uid needs a value; accepted: a numeric uid, 0 to 4294967294")]
    [InlineData("--proxy-uid 1337 --ipv6 maybe", "--ipv6 'maybe' is not accepted; accepted: auto, on or off")]
    [InlineData("--remove --ipv6", "--ipv6 needs a value; accepted: auto, on or off")]
    public void Parse_BadFlag_NamesTheFlagAndWhatItAccepts(string line, string expected)
    {
        var options = InitNetworkOptions.Parse(line.Split(' '), out var error);

        Assert.Null(options);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Parse_OnlyTheUid_TakesTheDefaults()
    {
        var options = Parse("--proxy-uid", "1337");

        Assert.Equal((InterceptionDefaults.OutboundPort, InterceptionDefaults.InboundPort), (options.OutboundPort, options.InboundPort));
        Assert.Equal([15000, 15010, 15080], options.ExcludedPorts);
        Assert.Null(options.OutboundPorts);
        Assert.Empty(options.ServicePorts);
    }

    [Fact]
    public async Task RunAsync_DryRunWhereTheTableCannotBeRead_PrintsTheCommandsForAnEmptyTable_AndRunsNone()
    {
        var (output, error) = (new StringWriter(), new StringWriter());

        // `false` stands in for an iptables that cannot read the table (not root): it fails every call.
        var code = await InitNetworkCommand.RunAsync(["init-network", "--proxy-uid", "1337", "--service-ports", "8080", "--dry-run"], output, error, new IptablesRunner("false"));

        Assert.Equal(0, code);
        var lines = output.ToString().Trim().Split('\n');
        Assert.Equal(11, lines.Length);
        Assert.Equal("iptables -t nat -N MESHHEAL_OUTPUT", lines[0]);
        Assert.Equal("iptables -t nat -A PREROUTING -p tcp -j MESHHEAL_PREROUTING", lines[^1]);
        Assert.Contains("planning against an empty one", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Ipv6_DefaultsToAuto_AndGoesWithRemove()
    {
        Assert.Equal(Ipv6Mode.Auto, Parse("--proxy-uid", "1337").Ipv6);
        Assert.Equal(Ipv6Mode.On, Parse("--proxy-uid", "1337", "--ipv6", "on").Ipv6);
        Assert.Equal(Ipv6Mode.Off, Parse("--remove", "--ipv6", "off").Ipv6);
    }

    [Fact]
    public async Task RunAsync_DryRun_Ip6tablesReadsItsTable_PrintsTheIpv6RulesAfterTheIpv4Ones()
    {
        var (output, error) = (new StringWriter(), new StringWriter());

        // `true` stands in for an ip6tables whose nat table is empty: it succeeds and prints nothing.
        var code = await InitNetworkCommand.RunAsync(["init-network", "--proxy-uid", "1337", "--service-ports", "8080", "--dry-run"], output, error,
            new IptablesRunner("false"), new IptablesRunner("true"));

        Assert.Equal(0, code);
        var lines = output.ToString().Trim().Split('\n');
        Assert.Equal(22, lines.Length);
        Assert.All(lines[..11], l => Assert.StartsWith("iptables -t nat ", l, StringComparison.Ordinal));
        Assert.All(lines[11..], l => Assert.StartsWith("ip6tables -t nat ", l, StringComparison.Ordinal));
        Assert.Contains("ip6tables -t nat -A MESHHEAL_OUTPUT -d ::1/128 -o lo -j RETURN", lines);
        Assert.Equal("ip6tables -t nat -A PREROUTING -p tcp -j MESHHEAL_PREROUTING", lines[^1]);
    }

    [Theory]
    [InlineData("auto", "/nonexistent/ip6tables")]
    [InlineData("auto", "false")]
    [InlineData("off", "true")]
    public async Task RunAsync_Ipv6AutoWithoutAReadableIp6tables_OrOff_WritesIpv4Only(string mode, string ip6tables)
    {
        var (output, error) = (new StringWriter(), new StringWriter());

        var code = await InitNetworkCommand.RunAsync(["init-network", "--proxy-uid", "1337", "--ipv6", mode, "--dry-run"], output, error,
            new IptablesRunner("true"), new IptablesRunner(ip6tables));

        Assert.Equal(0, code);
        Assert.All(output.ToString().Trim().Split('\n'), l => Assert.StartsWith("iptables -t nat ", l, StringComparison.Ordinal));
        Assert.Equal(mode == "auto", error.ToString().Contains("IPv6 left alone (--ipv6 on makes this an error)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_Ipv6On_Ip6tablesFails_ExitsOne_NamingIt()
    {
        var (output, error) = (new StringWriter(), new StringWriter());

        var code = await InitNetworkCommand.RunAsync(["init-network", "--proxy-uid", "1337", "--ipv6", "on"], output, error,
            new IptablesRunner("true"), new IptablesRunner("false"));
        var missing = await InitNetworkCommand.RunAsync(["init-network", "--proxy-uid", "1337", "--ipv6", "on"], new StringWriter(), error, new IptablesRunner("true"));

        Assert.Equal((1, 1), (code, missing));
        Assert.Contains("meshctl init-network: ip6tables -t nat -S failed (1)", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("--ipv6 on but ip6tables is not available", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_WithoutDryRun_IptablesFails_ExitsOneWithItsMessage()
    {
        var (output, error) = (new StringWriter(), new StringWriter());

        var code = await InitNetworkCommand.RunAsync(["init-network", "--proxy-uid", "1337"], output, error, new IptablesRunner("false"));

        Assert.Equal(1, code);
        Assert.StartsWith("meshctl init-network: iptables -t nat -S failed (1)", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_BadFlag_ExitsTwo_BeforeTouchingIptables()
    {
        var (output, error) = (new StringWriter(), new StringWriter());

        var code = await InitNetworkCommand.RunAsync(["init-network", "--proxy-uid", "1337", "--bogus"], output, error, new IptablesRunner("/nonexistent/iptables"));

        Assert.Equal(2, code);
        Assert.StartsWith("meshctl init-network: '--bogus' is not a flag of init-network; usage: meshctl init-network", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }

    [Fact]
    public void Parse_TheInjectedInitContainersArgs_AgreesWithTheInjectedSidecarsListeners()
    {
        var template = JsonNode.Parse("""
            { "metadata": { "labels": { "app": "orders" } },
              "spec": { "containers": [ { "name": "app", "image": "orders:1", "ports": [ { "containerPort": 8080 } ] } ] } }
            """)!.AsObject();
        PodInjector.Inject(template, null, new InjectionOptions());
        var args = template["spec"]!["initContainers"]![0]!["args"]!.AsArray().Select(a => (string)a!).ToList();
        var sidecar = template["spec"]!["containers"]![1]!;
        var env = sidecar["env"]!.AsArray().Where(e => e!["value"] is not null).ToDictionary(e => (string)e!["name"]!, e => (string)e!["value"]!);

        Assert.Equal(["meshctl", "init-network"], args[..2]);
        var options = Parse([.. args.Skip(2)]);

        // What the init container redirects to is what the sidecar listens on, and the sidecar runs as the uid that is let through.
        Assert.Equal((InterceptionDefaults.ProxyUid, InterceptionDefaults.OutboundPort, InterceptionDefaults.InboundPort), (options.ProxyUid, options.OutboundPort, options.InboundPort));
        Assert.Equal(options.ProxyUid, (int)sidecar["securityContext"]!["runAsUser"]!);
        Assert.EndsWith(":" + options.OutboundPort, env["Sidecar__ListenUrl"], StringComparison.Ordinal);
        Assert.EndsWith(":" + options.InboundPort, env["Sidecar__InboundListenUrl"], StringComparison.Ordinal);
        Assert.Contains(new Uri(env["Sidecar__AdminUrl"]).Port, options.ExcludedPorts);
        Assert.Equal(InterceptionDefaults.ExcludedPorts, options.ExcludedPorts);
        Assert.Equal([8080], options.ServicePorts);
        Assert.Equal(Ipv6Mode.Off, options.Ipv6);
    }

    private static InitNetworkOptions Parse(params string[] args) =>
        InitNetworkOptions.Parse(args, out var error) ?? throw new InvalidOperationException(error);
}
