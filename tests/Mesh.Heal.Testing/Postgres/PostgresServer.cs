using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mesh.Heal.Testing.Postgres;

/// <summary>A private PostgreSQL cluster for tests: initdb in a temporary directory, the server on 127.0.0.1 at a free
/// port with its unix socket in that directory, a fresh database per test.</summary>
/// <remarks>
/// The server binaries are the newest under <c>/usr/lib/postgresql/&lt;version&gt;/bin</c> (tests/run.sh installs the Debian
/// package); as root they run as the <c>postgres</c> user through <c>runuser</c>, since PostgreSQL refuses to run as root.
/// Durability is traded for speed (<c>fsync=off</c>): a test's data only has to survive a restart or a SIGKILL of the
/// server (the OS keeps what was written), not a power cut. Commits stay synchronous, so nothing acknowledged is lost in a kill.
/// Never the machine's default cluster on 5432.
/// </remarks>
public sealed class PostgresServer : IAsyncDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(60);
    private readonly string _bin;
    private readonly string _directory;
    private readonly string _data;
    private readonly bool _asRoot;
    private int _databases;

    private PostgresServer(string bin, string directory, int port, bool asRoot)
    {
        _bin = bin;
        _directory = directory;
        _data = Path.Combine(directory, "data");
        Port = port;
        _asRoot = asRoot;
    }

    /// <summary>The TCP port the server listens on, on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The directory of the server's binaries.</summary>
    public string BinDirectory => _bin;

    /// <summary>Creates a cluster in a new temporary directory and starts it; ready to accept connections when this completes.</summary>
    /// <exception cref="InvalidOperationException">PostgreSQL's server is not installed (the message says <c>apt-get install postgresql</c>).</exception>
    public static async Task<PostgresServer> StartAsync(CancellationToken ct = default)
    {
        var bin = FindBinaries();
        var asRoot = Environment.UserName == "root";
        var directory = Directory.CreateTempSubdirectory("meshheal-pg-").FullName;
        var server = new PostgresServer(bin, directory, FreePort(), asRoot);
        try
        {
            if (asRoot)
            {
                await RunAsync("chown", ["-R", "postgres:postgres", directory], ct);
            }

            await server.RunServerToolAsync("initdb", ["-D", server._data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"], ct);
            await File.AppendAllTextAsync(Path.Combine(server._data, "postgresql.conf"), string.Create(CultureInfo.InvariantCulture, $"""

                listen_addresses = '127.0.0.1'
                port = {server.Port}
                unix_socket_directories = '{directory}'
                fsync = off
                full_page_writes = off
                max_connections = 300
                shared_buffers = 32MB

                """), ct);
            if (asRoot)
            {
                await RunAsync("chown", ["postgres:postgres", Path.Combine(server._data, "postgresql.conf")], ct);
            }

            await server.StartAgainAsync(ct);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates a new empty database and returns an Npgsql connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null)
    {
        name ??= string.Create(CultureInfo.InvariantCulture, $"test_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}")[..24];
        await RunAsync(Path.Combine(_bin, "psql"), ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-d", "postgres",
            "-v", "ON_ERROR_STOP=1", "-q", "-c", $"CREATE DATABASE \"{name}\""], CancellationToken.None);
        return ConnectionString(name);
    }

    /// <summary>An Npgsql connection string to <paramref name="database"/> on this server.</summary>
    public string ConnectionString(string database) =>
        string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Timeout=5;Command Timeout=30");

    /// <summary>Stops the server with a fast shutdown (connections are cut, nothing committed is lost).</summary>
    public Task StopAsync() => RunServerToolAsync("pg_ctl", ["-D", _data, "-m", "fast", "-w", "-t", "60", "stop"], CancellationToken.None);

    /// <summary>Starts the server again on the same data directory and port; returns when it accepts connections.</summary>
    /// <remarks>Tries again for a while: after <see cref="Kill"/>, the old server's backends take a moment to notice and exit.</remarks>
    public async Task StartAgainAsync(CancellationToken ct = default)
    {
        var start = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                await RunServerToolAsync("pg_ctl", ["-D", _data, "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "30", "start"], ct);
                await ReadyAsync(ct);
                return;
            }
            catch (InvalidOperationException) when (Stopwatch.GetElapsedTime(start) < StartDeadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
            }
        }
    }

    /// <summary>Stops the server (fast) and starts it again.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAgainAsync();
    }

    /// <summary>SIGKILLs the postmaster, as a crash would; <see cref="StartAgainAsync"/> brings it back through crash recovery.</summary>
    public void Kill()
    {
        if (PostmasterId() is { } pid)
        {
            try
            {
                using var postmaster = Process.GetProcessById(pid);
                postmaster.Kill();
                postmaster.WaitForExit(TimeSpan.FromSeconds(10));
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }
    }

    /// <summary>The server's log so far, for a failing test's message.</summary>
    public string Log()
    {
        var path = Path.Combine(_directory, "server.log");
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }

    /// <summary>Stops the server at once and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (File.Exists(Path.Combine(_data, "postmaster.pid")))
            {
                await RunServerToolAsync("pg_ctl", ["-D", _data, "-m", "immediate", "-w", "-t", "30", "stop"], CancellationToken.None);
            }
        }
        catch (InvalidOperationException)
        {
            Kill();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A backend still exiting may hold a file a moment longer; the temporary directory is the OS's to clean then.
        }
    }

    private int? PostmasterId()
    {
        var pidFile = Path.Combine(_data, "postmaster.pid");
        try
        {
            var first = File.ReadLines(pidFile).FirstOrDefault();
            return int.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private async Task ReadyAsync(CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                await RunAsync(Path.Combine(_bin, "pg_isready"), ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-d", "postgres"], ct);
                return;
            }
            catch (InvalidOperationException) when (Stopwatch.GetElapsedTime(start) < StartDeadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
            }
        }
    }

    private Task RunServerToolAsync(string tool, string[] args, CancellationToken ct) =>
        _asRoot
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. args], ct)
            : RunAsync(Path.Combine(_bin, tool), args, ct);

    private static async Task RunAsync(string fileName, string[] args, CancellationToken ct)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // pg_ctl's server inherits these; a test host's locale or a developer's PG* settings must not reach it.
        info.Environment["LC_ALL"] = "C";
        info.Environment.Remove("PGDATA");
        info.Environment.Remove("PGHOST");
        info.Environment.Remove("PGPORT");
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{fileName} did not start");
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        output.Append(await stdout).Append(await stderr);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(fileName)} {string.Join(' ', args)} exited with {process.ExitCode}: {output}");
        }
    }

    private static string FindBinaries()
    {
        var versions = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Where(d => File.Exists(Path.Combine(d, "bin", "initdb")) && File.Exists(Path.Combine(d, "bin", "postgres")))
                .OrderByDescending(d => double.TryParse(Path.GetFileName(d), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0)
                .ToList()
            : [];
        return versions.Count > 0
            ? Path.Combine(versions[0], "bin")
            : throw new InvalidOperationException(
                "the PostgreSQL server is not installed (no /usr/lib/postgresql/<version>/bin/initdb); run `apt-get install postgresql` (tests/run.sh does when run as root)");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
