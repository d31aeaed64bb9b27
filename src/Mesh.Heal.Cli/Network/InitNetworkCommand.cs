namespace Mesh.Heal.Cli.Network;

/// <summary><c>meshctl init-network</c>: installs (or with <c>--remove</c> removes) the nat rules that send a pod's TCP
/// through its sidecar; run in the pod's network namespace by the init container, with CAP_NET_ADMIN.</summary>
/// <remarks>The same chains go into ip6tables (loopback <c>::1/128</c>) as <c>--ipv6</c> says: by default when ip6tables
/// is installed and can read its nat table. Exit codes: 0 done, 1 iptables failed (its message is printed), 2 the
/// command line is wrong.</remarks>
internal static class InitNetworkCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, IptablesRunner iptables, IptablesRunner? ip6tables = null)
    {
        if (InitNetworkOptions.Parse([.. args.Skip(1)], out var why) is not { } options)
        {
            await error.WriteLineAsync("meshctl init-network: " + why);
            return 2;
        }

        var (code, changes) = await ApplyAsync(options, iptables, "iptables", IptablesPlan.Ipv4Loopback, required: true, output, error);
        if (code != 0)
        {
            return code;
        }

        var families = "IPv4";
        if (options.Ipv6 != Ipv6Mode.Off)
        {
            var (code6, changes6) = ip6tables is null
                ? await NoIp6tablesAsync(options, error)
                : await ApplyAsync(options, ip6tables, "ip6tables", IptablesPlan.Ipv6Loopback, required: options.Ipv6 == Ipv6Mode.On, output, error);
            if (code6 != 0)
            {
                return code6;
            }

            if (changes6 is not null)
            {
                families = "IPv4 and IPv6";
                changes += changes6.Value;
            }
        }

        if (!options.DryRun)
        {
            await output.WriteLineAsync(options.Remove
                ? $"meshctl init-network: removed {changes} rule change(s) ({families}); {IptablesPlan.OutputChain} and {IptablesPlan.PreroutingChain} are gone"
                : $"meshctl init-network: outbound TCP goes to port {options.OutboundPort} (uid {options.ProxyUid} excluded), inbound to ports {string.Join(',', options.ServicePorts)} goes to port {options.InboundPort} ({families})");
        }

        return 0;
    }

    private static async Task<(int Code, int? Changes)> NoIp6tablesAsync(InitNetworkOptions options, TextWriter error)
    {
        if (options.Ipv6 == Ipv6Mode.On)
        {
            await error.WriteLineAsync("meshctl init-network: --ipv6 on but ip6tables is not available; accepted: --ipv6 auto or off, or install ip6tables");
            return (1, null);
        }

        return (0, null);
    }

    /// <summary>Plans against one table (iptables or ip6tables) and runs or prints the plan. Changes is null when an
    /// optional table (ip6tables with <c>--ipv6 auto</c>) cannot be read and is left alone.</summary>
    private static async Task<(int Code, int? Changes)> ApplyAsync(
        InitNetworkOptions options, IptablesRunner runner, string program, string loopback, bool required, TextWriter output, TextWriter error)
    {
        var (code, rules, failure) = await runner.RunAsync(["-t", "nat", "-S"]);
        if (code != 0)
        {
            if (!required)
            {
                // No ip6tables, or a kernel without IPv6: the pod has no IPv6 traffic to redirect.
                await error.WriteLineAsync($"meshctl init-network: {program} -t nat -S failed ({code}): {failure.Trim()}; IPv6 left alone (--ipv6 on makes this an error)");
                return (0, null);
            }

            if (!options.DryRun)
            {
                await error.WriteLineAsync($"meshctl init-network: {program} -t nat -S failed ({code}): {failure.Trim()}");
                return (1, null);
            }

            // A dry run on a machine where the table cannot be read (not root) still shows what would be run.
            await error.WriteLineAsync($"meshctl init-network: the {program} nat table could not be read ({failure.Trim()}); planning against an empty one");
            rules = string.Empty;
        }

        var current = rules.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var commands = options.Remove ? IptablesPlan.Remove(current) : IptablesPlan.Install(options, current, loopback);
        foreach (var command in commands)
        {
            if (options.DryRun)
            {
                await output.WriteLineAsync(IptablesPlan.Format(command, program));
                continue;
            }

            var (exit, _, message) = await runner.RunAsync(command);
            if (exit != 0)
            {
                await error.WriteLineAsync($"meshctl init-network: {IptablesPlan.Format(command, program)} failed ({exit}): {message.Trim()}");
                return (1, null);
            }
        }

        return (0, commands.Count);
    }
}
