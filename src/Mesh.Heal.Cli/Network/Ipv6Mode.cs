namespace Mesh.Heal.Cli.Network;

/// <summary>Whether <c>meshctl init-network</c> writes its rules into ip6tables too (<c>--ipv6</c>).</summary>
internal enum Ipv6Mode
{
    /// <summary>When <c>ip6tables</c> is installed and can read its nat table (the kernel has IPv6); otherwise IPv4 only, said on stderr.</summary>
    Auto,

    /// <summary>Always; when ip6tables cannot be run, that is an error.</summary>
    On,

    /// <summary>Never: IPv4 only.</summary>
    Off,
}
