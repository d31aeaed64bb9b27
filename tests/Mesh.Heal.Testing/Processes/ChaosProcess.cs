using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Mesh.Heal.Chaos;

/// <summary>One of Mesh.Heal's programs (sidecar, control plane, meshctl upstream), or a program a benchmark measures
/// (nginx, bare YARP), as a real process on 127.0.0.1.</summary>
/// <remarks>Ports are chosen by the OS; the program's own "listening" line says which, and <see cref="StartAsync"/> waits for it.
/// The clock starts just before the process is created, so <see cref="ListeningAfter"/> includes exec and the runtime's own start.</remarks>
internal sealed class ChaosProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly Stopwatch _clock = new();

    private ChaosProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }

    /// <summary>Whether the process has not exited.</summary>
    public bool Running => !_process.HasExited;

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Time from start to the line that said it was ready (zero when none was awaited).</summary>
    public TimeSpan ListeningAfter { get; private set; }

    /// <summary>The exit code, or null while the process runs.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>What the process printed so far, for a failure message.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output.TakeLast(40));
            }
        }
    }

    /// <summary>Every line the process printed so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_output)
            {
                return [.. _output];
            }
        }
    }

    /// <summary>Starts <paramref name="program"/> and waits for a line matching <paramref name="ready"/>; returns the match.</summary>
    public static Task<(ChaosProcess Process, Match Ready)> StartAsync(string name, string program, IEnumerable<string> args, Regex ready) =>
        StartExecutableAsync(name, "dotnet", [program, .. args], ready);

    /// <summary>Starts an executable on the PATH (Prometheus) and waits for a line matching <paramref name="ready"/>.</summary>
    /// <remarks><paramref name="lines"/>, when given, gets every line the process prints (a log shipper's view of it).</remarks>
    public static async Task<(ChaosProcess Process, Match Ready)> StartExecutableAsync(string name, string fileName, IEnumerable<string> args, Regex ready, Action<string>? lines = null)
    {
        var info = Info(fileName, args);
        // Test processes share the machine: workstation GC keeps each one's threads and heaps small.
        info.Environment["DOTNET_gcServer"] = "0";
        var (process, match) = await StartProcessAsync(name, info, ready, lines);
        return (process, match!);
    }

    /// <summary>Starts a program a benchmark measures with its own environment and GC settings, in its own folder, and
    /// waits for a line matching <paramref name="ready"/> when one is given.</summary>
    public static Task<(ChaosProcess Process, Match? Ready)> StartMeasuredAsync(string name, string fileName, IEnumerable<string> args, Regex? ready)
    {
        var info = Info(fileName, args);
        info.WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(args.FirstOrDefault(a => a.EndsWith(".dll", StringComparison.Ordinal)) ?? fileName));
        return StartProcessAsync(name, info, ready, lines: null);
    }

    private static ProcessStartInfo Info(string fileName, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    private static async Task<(ChaosProcess Process, Match? Ready)> StartProcessAsync(string name, ProcessStartInfo info, Regex? ready, Action<string>? lines)
    {
        var found = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var chaos = new ChaosProcess(process, name);
        void OnLine(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is not { } line)
            {
                return;
            }

            lock (chaos._output)
            {
                chaos._output.Add(line);
                lines?.Invoke(line);
            }

            var at = chaos._clock.Elapsed;
            if (ready?.Match(line) is { Success: true } match && found.TrySetResult(match))
            {
                chaos.ListeningAfter = at;
            }
        }

        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.Exited += (_, _) =>
        {
            // Without this wait the last lines (the reason it stopped) may not have been read yet.
            process.WaitForExit();
            found.TrySetException(new ProcessExitedException(name, process.ExitCode, chaos.Output));
        };
        chaos._clock.Start();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (ready is null)
        {
            return (chaos, null);
        }

        try
        {
            return (chaos, await found.Task.WaitAsync(StartDeadline));
        }
        catch (TimeoutException)
        {
            await chaos.DisposeAsync();
            throw new TimeoutException($"{name} did not say it was listening within {StartDeadline.TotalSeconds} s:\n{chaos.Output}");
        }
    }

    /// <summary>Asks <paramref name="address"/> until it answers 200 and returns the time from start to that answer.</summary>
    /// <remarks>Retries 1 ms after a refused connection or another status, so the figure is at most about 1 ms late.</remarks>
    public async Task<TimeSpan> FirstOkAsync(HttpClient client, Uri address)
    {
        while (_clock.Elapsed < StartDeadline)
        {
            if (_process.HasExited)
            {
                throw new ProcessExitedException(Name, _process.ExitCode, Output);
            }

            try
            {
                using var response = await client.GetAsync(address);
                if (response.IsSuccessStatusCode)
                {
                    return _clock.Elapsed;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(1);
        }

        throw new TimeoutException($"{Name} did not answer 200 at {address} within {StartDeadline.TotalSeconds} s:\n{Output}");
    }

    /// <summary>Kills the process and its children at once, without waiting (from a Ctrl+C handler).</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited, or never started.
        }
    }

    /// <summary>Kills the process at once (SIGKILL), as a crash or an OOM kill does.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>Asks the process to stop (SIGTERM), as Kubernetes does, and kills it if it has not exited within <paramref name="grace"/>.</summary>
    /// <returns>Whether it exited by itself within the grace period.</returns>
    public async Task<bool> StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return true;
        }

        // libc's kill(2), not /bin/kill: procps is not in every image the tests run in.
        if (SendSignal(Id, SigTerm) != 0)
        {
            await KillAsync();
            return false;
        }

        using var deadline = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
            return false;
        }
    }

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}

/// <summary>A process exited before it said it was ready; <see cref="Exception.Message"/> has its last lines of output.</summary>
internal sealed class ProcessExitedException(string name, int exitCode, string output)
    : InvalidOperationException($"{name} exited with code {exitCode}:\n{output}")
{
    public int ExitCode { get; } = exitCode;

    /// <summary>What the process printed, its last 40 lines.</summary>
    public string Output { get; } = output;
}
