namespace Mesh.Heal.Cli.Network;

/// <summary><c>meshctl init-network</c>: installs (or with <c>--remove</c> removes) the nat rules that send a pod's TCP
/// through its sidecar; run in the pod's network namespace by the init container, with CAP_NET_ADMIN.</summary>
/// <remarks>Exit codes: 0 done, 1 iptables failed (its message is printed), 2 the command line is wrong.</remarks>
internal static class InitNetworkCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, IptablesRunner iptables)
    {
        if (InitNetworkOptions.Parse([.. args.Skip(1)], out var why) is not { } options)
        {
            await error.WriteLineAsync("meshctl init-network: " + why);
            return 2;
        }

        var (code, rules, failure) = await iptables.RunAsync(["-t", "nat", "-S"]);
        if (code != 0)
        {
            if (!options.DryRun)
            {
                await error.WriteLineAsync($"meshctl init-network: iptables -t nat -S failed ({code}): {failure.Trim()}");
                return 1;
            }

            // A dry run on a machine where the table cannot be read (not root) still shows what would be run.
            await error.WriteLineAsync($"meshctl init-network: the nat table could not be read ({failure.Trim()}); planning against an empty one");
            rules = string.Empty;
        }

        var current = rules.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var commands = options.Remove ? IptablesPlan.Remove(current) : IptablesPlan.Install(options, current);
        foreach (var command in commands)
        {
            if (options.DryRun)
            {
                await output.WriteLineAsync(IptablesPlan.Format(command));
                continue;
            }

            var (exit, _, message) = await iptables.RunAsync(command);
            if (exit != 0)
            {
                await error.WriteLineAsync($"meshctl init-network: {IptablesPlan.Format(command)} failed ({exit}): {message.Trim()}");
                return 1;
            }
        }

        if (!options.DryRun)
        {
            await output.WriteLineAsync(options.Remove
                ? $"meshctl init-network: removed {commands.Count} rule change(s); {IptablesPlan.OutputChain} and {IptablesPlan.PreroutingChain} are gone"
                : $"meshctl init-network: outbound TCP goes to port {options.OutboundPort} (uid {options.ProxyUid} excluded), inbound to ports {string.Join(',', options.ServicePorts)} goes to port {options.InboundPort}");
        }

        return 0;
    }
}
