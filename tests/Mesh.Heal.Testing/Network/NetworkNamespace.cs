using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Mesh.Heal.Benchmarks.Load;
using Mesh.Heal.Chaos;

namespace Mesh.Heal.Testing.Network;

/// <summary>A Linux network namespace a test makes for itself (<c>ip netns add mh-&lt;pid&gt;-&lt;random&gt;</c>), with
/// its loopback up, joined to another such namespace by a veth pair, and deleted with everything in it on dispose.</summary>
/// <remarks>
/// Never touches the host's own namespace: the veth pair is created with both ends already inside test namespaces.
/// The name carries the pid of the test process that made it, so a later run deletes what a crashed run left
/// (<see cref="DeleteLeftovers"/>) without touching the namespaces of a run still going on beside it.
/// Tests that need one skip with <see cref="Unavailable"/> (see <see cref="NetworkFactAttribute"/>).
/// </remarks>
internal sealed partial class NetworkNamespace : IAsyncDisposable
{
    /// <summary>The prefix of every namespace the tests make.</summary>
    public const string Prefix = "mh-";

    private static readonly Lazy<string?> WhyUnavailable = new(Probe);
    private static readonly ConcurrentDictionary<string, Lazy<string>> Staged = new(StringComparer.Ordinal);
    private readonly List<ChaosProcess> _processes = [];
    private int _disposed;

    private NetworkNamespace(string name)
    {
        Name = name;
    }

    /// <summary>Why this run cannot make network namespaces (not root, no <c>ip</c> or <c>iptables</c>, the kernel said
    /// no), in words; null when it can.</summary>
    public static string? Unavailable => WhyUnavailable.Value;

    /// <summary>The namespace's name, as <c>ip netns</c> knows it.</summary>
    public string Name { get; }

    /// <summary>The address of this namespace's end of the veth pair, once <see cref="ConnectAsync"/> made one.</summary>
    public IPAddress? Address { get; private set; }

    /// <summary>The name of this namespace's end of the veth pair, once <see cref="ConnectAsync"/> made one.</summary>
    public string? VethName { get; private set; }

    /// <summary>The IPv6 address of this namespace's end of the veth pair, once <see cref="ConnectAsync"/> made one with IPv6.</summary>
    public IPAddress? Address6 { get; private set; }

    /// <summary>Makes a new namespace with its loopback up; deletes namespaces left by earlier, dead test processes first.</summary>
    public static async Task<NetworkNamespace> CreateAsync()
    {
        if (Unavailable is { } why)
        {
            throw new InvalidOperationException("network namespaces are unavailable: " + why);
        }

        DeleteLeftovers();
        var name = $"{Prefix}{Environment.ProcessId}-{Convert.ToHexStringLower(RandomBytes(4))}";
        await IpAsync("netns", "add", name);
        var created = new NetworkNamespace(name);
        try
        {
            await created.RunCheckedAsync("ip", "link", "set", "lo", "up");
            return created;
        }
        catch
        {
            await created.DisposeAsync();
            throw;
        }
    }

    /// <summary>Makes two namespaces joined by a veth pair on a random private /30 (10.x.y.1 and 10.x.y.2), and with
    /// <paramref name="ipv6"/> on a random unique-local /64 too (::1 and ::2).</summary>
    public static async Task<(NetworkNamespace First, NetworkNamespace Second)> CreatePairAsync(bool ipv6 = false)
    {
        var first = await CreateAsync();
        try
        {
            var second = await CreateAsync();
            try
            {
                await first.ConnectAsync(second, ipv6);
                return (first, second);
            }
            catch
            {
                await second.DisposeAsync();
                throw;
            }
        }
        catch
        {
            await first.DisposeAsync();
            throw;
        }
    }

    /// <summary>Joins this namespace to <paramref name="other"/> with a veth pair, this end 10.x.y.1/30 and the other 10.x.y.2/30;
    /// with <paramref name="ipv6"/> also fdxx:xxxx:xxxx::1/64 and ::2/64.</summary>
    public async Task ConnectAsync(NetworkNamespace other, bool ipv6 = false)
    {
        var random = RandomBytes(3);
        // Interface names are at most 15 characters; the pair lives only inside the two namespaces.
        var tag = Convert.ToHexStringLower(random);
        var (mine, theirs) = ($"mh{tag}a", $"mh{tag}b");
        // 10.x.y.0/30 with y a multiple of 4 keeps .1 and .2 inside one /30.
        var subnet = $"10.{random[0]}.{random[1] & 0xFC}";
        await IpAsync("link", "add", mine, "netns", Name, "type", "veth", "peer", "name", theirs, "netns", other.Name);
        await RunCheckedAsync("ip", "addr", "add", subnet + ".1/30", "dev", mine);
        await RunCheckedAsync("ip", "link", "set", mine, "up");
        await other.RunCheckedAsync("ip", "addr", "add", subnet + ".2/30", "dev", theirs);
        await other.RunCheckedAsync("ip", "link", "set", theirs, "up");
        (VethName, other.VethName) = (mine, theirs);
        Address = IPAddress.Parse(subnet + ".1");
        other.Address = IPAddress.Parse(subnet + ".2");
        if (ipv6)
        {
            // A unique-local prefix (fd00::/8 and a random 40-bit id); nodad makes the addresses usable at once.
            var prefix = $"fd{tag[..2]}:{tag[2..6]}:{random[0] ^ random[2]:x2}00::";
            await RunCheckedAsync("ip", "-6", "addr", "add", prefix + "1/64", "dev", mine, "nodad");
            await other.RunCheckedAsync("ip", "-6", "addr", "add", prefix + "2/64", "dev", theirs, "nodad");
            Address6 = IPAddress.Parse(prefix + "1");
            other.Address6 = IPAddress.Parse(prefix + "2");
        }
    }

    /// <summary>Gives the namespace its own hosts file (<c>/etc/netns/&lt;name&gt;/hosts</c>, which <c>ip netns exec</c>
    /// mounts over <c>/etc/hosts</c> for the programs it starts): localhost and <paramref name="entries"/>, so a program
    /// started inside resolves those names as a pod resolves a service's; removed on dispose.</summary>
    public async Task SetHostsAsync(params (string Name, IPAddress Address)[] entries)
    {
        var directory = EtcDirectory(Name);
        Directory.CreateDirectory(directory);
        var lines = new System.Text.StringBuilder("127.0.0.1 localhost\n::1 localhost\n");
        foreach (var (name, address) in entries)
        {
            lines.Append(address).Append(' ').Append(name).Append('\n');
        }

        await File.WriteAllTextAsync(Path.Combine(directory, "hosts"), lines.ToString());
    }

    /// <summary>An HttpClient whose connections are made inside the namespace, by the test process (root): as the
    /// namespace's root they are intercepted like an application's, unless they go to 127.0.0.0/8.</summary>
    public HttpClient CreateHttpClient() => new(new SocketsHttpHandler
    {
        UseProxy = false,
        ConnectCallback = async (context, cancel) =>
        {
            // An IPv6 literal needs an IPv6 socket; names resolve through the namespace's hosts file to IPv4.
            var family = IPAddress.TryParse(context.DnsEndPoint.Host.Trim('[', ']'), out var ip) ? ip.AddressFamily : AddressFamily.InterNetwork;
            var socket = CreateSocket(family, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.NoDelay = true;
                await socket.ConnectAsync(context.DnsEndPoint, cancel);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Runs a command inside the namespace to its end, optionally as <paramref name="uid"/>; returns its exit code and output.</summary>
    public Task<(int Code, string Output)> RunAsync(string file, IEnumerable<string> args, int? uid = null) =>
        Tools.RunWithOutputAsync("ip", [.. Exec(file, args, uid)]);

    /// <summary>Runs a command inside the namespace as root and returns its output; throws with that output when it fails.</summary>
    public async Task<string> RunCheckedAsync(string file, params string[] args)
    {
        var (code, output) = await RunAsync(file, args);
        return code == 0 ? output : throw new InvalidOperationException($"{file} {string.Join(' ', args)} in {Name} exited with {code}: {output}");
    }

    /// <summary>Connects from inside the namespace (as <paramref name="uid"/> when given, a process of its own:
    /// bash's /dev/tcp) to <paramref name="host"/>:<paramref name="port"/> and returns what the other end sent before
    /// closing, trimmed; throws when the connection failed.</summary>
    public async Task<string> ConnectAndReadAsync(string host, int port, int? uid = null)
    {
        var (code, output) = await RunAsync("timeout", ["10", "bash", "-c", "exec 3<>\"/dev/tcp/$0/$1\" && cat <&3", host, port.ToString(System.Globalization.CultureInfo.InvariantCulture)], uid);
        return code == 0 ? output.Trim() : throw new IOException($"connecting to {host}:{port} from {Name} (uid {uid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "0"}) failed with {code}: {output.Trim()}");
    }

    /// <summary>Makes a socket that lives in this namespace, from the test process itself.</summary>
    /// <remarks>A socket belongs to the namespace of the thread that made it; a thread of its own joins the namespace
    /// (setns), makes the socket and ends, so no thread of the test process is left inside.</remarks>
    public Socket CreateSocket(AddressFamily family, SocketType type, ProtocolType protocol)
    {
        Socket? socket = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var target = File.OpenHandle("/run/netns/" + Name);
                if (SetNamespace((int)target.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new IOException($"setns({Name}) failed: errno {Marshal.GetLastPInvokeError()}");
                }

                socket = new Socket(family, type, protocol);
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        });
        thread.Start();
        thread.Join();
        return socket ?? throw new IOException($"could not make a socket in {Name}", failure);
    }

    /// <summary>The sidecar's program and leading arguments (<see cref="SidecarCommand.Program"/>) for a process run as
    /// another uid: each file is <see cref="ReachableByOthers"/>.</summary>
    public static (string FileName, string[] Arguments) SidecarProgram(Func<string> dll)
    {
        var (file, leading) = SidecarCommand.Program(dll);
        return SidecarCommand.Binary is null ? (file, [.. leading.Select(ReachableByOthers)]) : (ReachableByOthers(file), leading);
    }

    /// <summary><paramref name="path"/> when other users can reach and read it; else the same file in a copy of its
    /// directory that everyone can read, made once per test process, so that a program run as the proxy uid works from
    /// a checkout under a private home (mode 0700) too.</summary>
    public static string ReachableByOthers(string path)
    {
        path = Path.GetFullPath(path);
        if (!OperatingSystem.IsLinux() || OthersCanRead(path))
        {
            return path;
        }

        var directory = Path.GetDirectoryName(path)!;
        var copy = Staged.GetOrAdd(directory, static source => new Lazy<string>(() => OperatingSystem.IsLinux() ? Stage(source) : source)).Value;
        return Path.Combine(copy, Path.GetFileName(path));
    }

    /// <summary>Starts a long-running program inside the namespace (optionally as <paramref name="uid"/>) and waits for a
    /// line matching <paramref name="ready"/>; the program is killed on dispose.</summary>
    public async Task<(ChaosProcess Process, Match Ready)> StartAsync(string name, string file, IEnumerable<string> args, Regex ready, int? uid = null)
    {
        var (process, match) = await ChaosProcess.StartExecutableAsync(name, "ip", Exec(file, args, uid), ready);
        lock (_processes)
        {
            _processes.Add(process);
        }

        return (process, match);
    }

    /// <summary>Kills what was started inside and deletes the namespace (its veth end goes with it, and so the pair).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        List<ChaosProcess> processes;
        lock (_processes)
        {
            processes = [.. _processes];
        }

        foreach (var process in processes)
        {
            await process.DisposeAsync();
        }

        // Any process still inside (a child the test did not start through StartAsync) keeps the kernel namespace
        // alive until it exits; killing every pid `ip netns pids` names lets the namespace and its veth go now.
        var (_, pids) = await Tools.RunWithOutputAsync("ip", "netns", "pids", Name);
        foreach (var pid in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            await Tools.RunWithOutputAsync("kill", "-9", pid);
        }

        await Tools.RunWithOutputAsync("ip", "netns", "delete", Name);
        DeleteEtc(Name);
    }

    /// <summary>The namespaces <c>ip netns list</c> shows right now that the tests made.</summary>
    public static async Task<IReadOnlyList<string>> ListAsync()
    {
        var (_, output) = await Tools.RunWithOutputAsync("ip", "netns", "list");
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', 2)[0])
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))];
    }

    /// <summary>Deletes the namespaces a test process that no longer runs left behind (it crashed, or was killed).</summary>
    public static void DeleteLeftovers()
    {
        foreach (var name in ListAsync().GetAwaiter().GetResult())
        {
            if (OwnerPattern().Match(name) is { Success: true } match && int.TryParse(match.Groups[1].Value, out var pid)
                && pid != Environment.ProcessId && !Alive(pid))
            {
                Tools.RunWithOutputAsync("ip", "netns", "delete", name).GetAwaiter().GetResult();
                DeleteEtc(name);
            }
        }

        // Staged copies of a crashed run.
        foreach (var directory in new DirectoryInfo(Path.GetTempPath()).GetDirectories(Prefix + "stage-*"))
        {
            if (int.TryParse(directory.Name[(Prefix.Length + "stage-".Length)..], out var pid) && pid != Environment.ProcessId && !Alive(pid))
            {
                directory.Delete(recursive: true);
            }
        }

        // A hosts file can outlive its namespace when the run died between the two deletions.
        var etc = new DirectoryInfo("/etc/netns");
        foreach (var directory in etc.Exists ? etc.GetDirectories(Prefix + "*") : [])
        {
            if (OwnerPattern().Match(directory.Name) is { Success: true } match && int.TryParse(match.Groups[1].Value, out var pid)
                && pid != Environment.ProcessId && !Alive(pid))
            {
                directory.Delete(recursive: true);
            }
        }
    }

    /// <summary>Where <c>ip netns exec</c> finds the files it mounts over /etc for the namespace.</summary>
    private static string EtcDirectory(string name) => Path.Combine("/etc/netns", name);

    private static void DeleteEtc(string name)
    {
        if (Directory.Exists(EtcDirectory(name)))
        {
            Directory.Delete(EtcDirectory(name), recursive: true);
        }
    }

    private static bool Alive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static bool OthersCanRead(string path)
    {
        if (!File.Exists(path) || (File.GetUnixFileMode(path) & UnixFileMode.OtherRead) == 0)
        {
            return false;
        }

        for (var directory = Path.GetDirectoryName(path); !string.IsNullOrEmpty(directory); directory = Path.GetDirectoryName(directory))
        {
            if ((File.GetUnixFileMode(directory) & UnixFileMode.OtherExecute) == 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Copies <paramref name="source"/> into <c>/tmp/mh-stage-&lt;pid&gt;/</c> (deleted when this process exits, or by
    /// <see cref="DeleteLeftovers"/> after a crash), readable by everyone, executables kept executable.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static string Stage(string source)
    {
        const UnixFileMode Open = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
            | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        var root = StageRoot(Environment.ProcessId);
        if (!Directory.Exists(root))
        {
            Directory.CreateDirectory(root, Open);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(root, recursive: true);
        }

        var target = Path.Combine(root, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(source)))[..16]);
        foreach (var directory in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories).Prepend(source))
        {
            Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, directory)), Open);
        }

        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(source, file));
            File.Copy(file, copy, overwrite: true);
            var executable = (File.GetUnixFileMode(file) & UnixFileMode.UserExecute) != 0;
            File.SetUnixFileMode(copy, executable ? Open : Open & ~(UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute));
        }

        return target;
    }

    private static string StageRoot(int pid) => Path.Combine(Path.GetTempPath(), $"{Prefix}stage-{pid}");

    private List<string> Exec(string file, IEnumerable<string> args, int? uid)
    {
        List<string> command = ["netns", "exec", Name];
        if (uid is { } id)
        {
            // setpriv execs the program, so the pid the test holds is the program's own.
            command.AddRange(["setpriv", $"--reuid={id}", $"--regid={id}", "--clear-groups"]);
        }

        command.Add(file);
        command.AddRange(args);
        return command;
    }

    private static async Task IpAsync(params string[] args)
    {
        var (code, output) = await Tools.RunWithOutputAsync("ip", args);
        if (code != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)} exited with {code}: {output}");
        }
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network namespaces are Linux only";
        }

        if (Environment.UserName != "root")
        {
            return $"the tests run as {Environment.UserName}, not root: making network namespaces and iptables rules needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN)";
        }

        var missing = new[] { ("ip", "iproute2"), ("iptables", "iptables"), ("setpriv", "util-linux"), ("curl", "curl") }.Where(t => Tools.Which(t.Item1) is null).ToList();
        if (missing.Count > 0)
        {
            return $"{string.Join(" and ", missing.Select(m => m.Item1))} not found; install {string.Join(' ', missing.Select(m => m.Item2))} (tests/run.sh does as root)";
        }

        var probe = $"{Prefix}{Environment.ProcessId}-probe";
        var (code, output) = Tools.RunWithOutputAsync("ip", "netns", "add", probe).GetAwaiter().GetResult();
        if (code != 0)
        {
            return $"`ip netns add` failed (exit {code}): {output.Trim()} (a container without CAP_SYS_ADMIN, or a seccomp profile that forbids unshare/mount, gives EPERM)";
        }

        var (iptablesCode, iptablesOutput) = Tools.RunWithOutputAsync("ip", "netns", "exec", probe, "iptables", "-t", "nat", "-S").GetAwaiter().GetResult();
        Tools.RunWithOutputAsync("ip", "netns", "delete", probe).GetAwaiter().GetResult();
        return iptablesCode == 0
            ? null
            : $"`iptables -t nat -S` in a new namespace failed (exit {iptablesCode}): {iptablesOutput.Trim()} (the kernel lacks the nat table or CAP_NET_ADMIN is missing)";
    }

    private const int CloneNewNet = 0x40000000;

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNamespace(int fd, int type);

    [GeneratedRegex(@"^mh-(\d+)-")]
    private static partial Regex OwnerPattern();
}
