using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Mesh.Heal.Benchmarks.Load;

/// <summary>A program under test (a proxy or the upstream) as a process, with the time it took to say it was listening.</summary>
/// <remarks>The clock starts just before the process is created, so start-up includes exec, the runtime's own start
/// (the JIT host for <c>dotnet x.dll</c>) and the program's. Environment and GC settings are the program's own.</remarks>
internal sealed class BenchProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly Stopwatch _clock;
    private readonly List<string> _output = [];
    private IReadOnlyList<int>? _pids;

    private BenchProcess(Process process, Stopwatch clock, string name)
    {
        _process = process;
        _clock = clock;
        Name = name;
    }

    public string Name { get; }

    public int Id => _process.Id;

    /// <summary>The process and its children (nginx's workers), read once, after it is ready.</summary>
    public IReadOnlyList<int> Pids => _pids ??= ProcessStats.WithChildren(_process.Id);

    /// <summary>Time from start to the listening line (zero for a program that prints none).</summary>
    public TimeSpan ListeningAfter { get; private set; }

    /// <summary>Time since the start.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Starts <paramref name="fileName"/> and, when <paramref name="ready"/> is given, waits for a line matching it.</summary>
    public static async Task<(BenchProcess Process, Match? Ready)> StartAsync(string name, string fileName, IEnumerable<string> args, Regex? ready)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(args.FirstOrDefault(a => a.EndsWith(".dll", StringComparison.Ordinal)) ?? fileName)),
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var found = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var clock = new Stopwatch();
        var bench = new BenchProcess(process, clock, name);
        void OnLine(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is not { } line)
            {
                return;
            }

            var at = clock.Elapsed;
            lock (bench._output)
            {
                bench._output.Add(line);
            }

            if (ready?.Match(line) is { Success: true } match && found.TrySetResult(match))
            {
                bench.ListeningAfter = at;
            }
        }

        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.Exited += (_, _) => found.TrySetException(new InvalidOperationException($"{name} exited with code {process.ExitCode}:\n{bench.Output}"));
        clock.Start();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (ready is null)
        {
            return (bench, null);
        }

        try
        {
            return (bench, await found.Task.WaitAsync(StartDeadline));
        }
        catch (Exception)
        {
            await bench.DisposeAsync();
            throw;
        }
    }

    /// <summary>What the process printed, for a failure message.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output.TakeLast(30));
            }
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
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode}:\n{Output}");
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

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process.Dispose();
    }
}
