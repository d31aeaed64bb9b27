using System.Text.RegularExpressions;

namespace Mesh.Heal.Chaos;

/// <summary>How every test starts a sidecar as its own process: the JIT build (<c>dotnet Mesh.Heal.Sidecar.dll</c>) or, when
/// <see cref="BinaryVariable"/> names one, the NativeAOT executable; with the same arguments either way.</summary>
/// <remarks>Compile-linked into Mesh.Heal.Sidecar.Tests (with <see cref="ChaosProcess"/>), so the sidecar tests, the
/// integration tests and the chaos scenarios start and read a sidecar the same way.</remarks>
internal static partial class SidecarCommand
{
    /// <summary>The environment variable that selects process mode: the path of the native sidecar executable.</summary>
    public const string BinaryVariable = "MESHHEAL_SIDECAR_BINARY";

    /// <summary>The native sidecar executable the tests run against, or null to run the JIT build.</summary>
    /// <remarks>Give an absolute path: a relative one resolves against the test host's working directory, not the shell's.</remarks>
    public static string? Binary { get; } = Environment.GetEnvironmentVariable(BinaryVariable) is { Length: > 0 } path ? Path.GetFullPath(path) : null;

    /// <summary>The program and its leading arguments: the native executable, or <c>dotnet</c> and <paramref name="dll"/>.</summary>
    /// <param name="dll">The JIT build's assembly, asked for only when no native executable is set.</param>
    public static (string FileName, string[] Arguments) Program(Func<string> dll)
    {
        if (Binary is null)
        {
            return ("dotnet", [dll()]);
        }

        return File.Exists(Binary)
            ? (Binary, [])
            : throw new FileNotFoundException($"{BinaryVariable}={Binary}: no such file; publish it with tests/bench/publish-sidecar-aot.sh");
    }

    /// <summary>The arguments every test sidecar gets: its config file, OS-chosen ports on 127.0.0.1, warnings only, and
    /// the "listening" line at Information, which says the ports; then <paramref name="extra"/>, which can override them.</summary>
    public static string[] Arguments(string configPath, IEnumerable<string> extra) =>
    [
        "--config", configPath, "--Sidecar:ListenUrl=http://127.0.0.1:0", "--Sidecar:AdminUrl=http://127.0.0.1:0",
        "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Mesh.Heal.Sidecar.Hosting.SidecarHost=Information", .. extra,
    ];

    /// <summary>The addresses in a match of <see cref="Listening"/>.</summary>
    public static SidecarAddresses Addresses(Match listening) => new(
        new Uri(listening.Groups["proxy"].Value),
        listening.Groups["h2c"].Value == "none" ? null : new Uri(listening.Groups["h2c"].Value),
        new Uri(listening.Groups["admin"].Value),
        listening.Groups["inbound"].Value is { Length: > 0 } inbound and not "none" ? new Uri(inbound) : null);

    /// <summary>The sidecar's "Sidecar of orders listening: proxy http://… h2c none admin http://… inbound none" line.</summary>
    [GeneratedRegex(@"listening: proxy (?<proxy>\S+) h2c (?<h2c>\S+) admin (?<admin>\S+)(?: inbound (?<inbound>\S+))?")]
    public static partial Regex Listening();
}

/// <summary>Where a started sidecar listens, in-process or not.</summary>
/// <param name="ProxyUri">The HTTP/1.1 proxy listener.</param>
/// <param name="Http2ProxyUri">The cleartext HTTP/2 proxy listener, or null when none is configured.</param>
/// <param name="AdminUri">The admin listener.</param>
/// <param name="InboundUri">The inbound listener (in front of the application), or null when none is configured.</param>
internal sealed record SidecarAddresses(Uri ProxyUri, Uri? Http2ProxyUri, Uri AdminUri, Uri? InboundUri = null);
