namespace Mesh.Heal.Cli.Control;

/// <summary>The parsed arguments of a control-plane command: the verb, its operands and the common options.</summary>
internal sealed record ControlArguments(string Verb, IReadOnlyList<string> Operands, string Server, string? Token, bool Json, string? File, string? Reason, string? Since = null)
{
    /// <summary>The control plane's gRPC address when neither <c>--server</c> nor <c>MESHHEAL_SERVER</c> says otherwise.</summary>
    public const string DefaultServer = "http://127.0.0.1:15010";

    /// <summary>Parses <paramref name="args"/> (the verb first); <paramref name="environment"/> supplies MESHHEAL_SERVER and MESHHEAL_TOKEN.</summary>
    public static bool TryParse(IReadOnlyList<string> args, Func<string, string?> environment, out ControlArguments parsed, out string error)
    {
        parsed = null!;
        var operands = new List<string>();
        var server = environment("MESHHEAL_SERVER") is { Length: > 0 } s ? s : DefaultServer;
        var token = environment("MESHHEAL_TOKEN") is { Length: > 0 } t ? t : null;
        bool json = false;
        string? file = null, reason = null, since = null;
        for (var i = 1; i < args.Count; i++)
        {
            var arg = args[i];
            string? Value()
            {
                var eq = arg.IndexOf('=');
                if (eq > 0)
                {
                    return arg[(eq + 1)..];
                }

                return i + 1 < args.Count ? args[++i] : null;
            }

            var name = arg.Split('=', 2)[0];
            switch (name)
            {
                case "--json":
                    json = true;
                    break;
                case "--server" or "-s":
                    server = Value() ?? string.Empty;
                    break;
                case "--token" or "-t":
                    token = Value();
                    break;
                case "--file" or "-f":
                    file = Value();
                    break;
                case "--reason":
                    reason = Value();
                    break;
                case "--since":
                    since = Value();
                    break;
                default:
                    if (arg.StartsWith('-'))
                    {
                        error = $"unknown option '{arg}'; accepted: --server <url>, --token <token>, --json, -f <file>, --reason <text>, --since <duration>";
                        return false;
                    }

                    operands.Add(arg);
                    break;
            }
        }

        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            error = $"--server '{server}' is not accepted; accepted: the control plane's gRPC address, such as {DefaultServer}";
            return false;
        }

        parsed = new ControlArguments(args[0], operands, server, token, json, file, reason, since);
        error = string.Empty;
        return true;
    }
}
