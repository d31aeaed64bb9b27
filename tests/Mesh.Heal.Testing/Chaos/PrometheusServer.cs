using System.Text.RegularExpressions;

namespace Mesh.Heal.Chaos;

/// <summary>A real Prometheus (the Debian package's <c>/usr/bin/prometheus</c>) on 127.0.0.1 with a port from the OS,
/// scraping the given targets, its data in a temporary directory removed on dispose.</summary>
internal sealed partial class PrometheusServer : IAsyncDisposable
{
    private readonly ChaosProcess _process;
    private readonly string _directory;

    private PrometheusServer(ChaosProcess process, string directory, Uri url)
    {
        _process = process;
        _directory = directory;
        Url = url;
    }

    /// <summary>The server's address, <c>http://127.0.0.1:port/</c>.</summary>
    public Uri Url { get; }

    /// <summary>What it logged, for a failure message.</summary>
    public string Output => _process.Output;

    /// <summary>Starts Prometheus scraping each job's targets (<c>host:port</c>) every <paramref name="interval"/>, and waits until it is ready.</summary>
    public static async Task<PrometheusServer> StartAsync(IEnumerable<(string Job, string[] Targets)> jobs, TimeSpan interval)
    {
        var executable = new[] { "/usr/bin/prometheus", "/usr/local/bin/prometheus" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("prometheus is not installed; install the Debian package prometheus (tests/run.sh does, as root)");
        var directory = Directory.CreateTempSubdirectory("meshheal-prometheus-").FullName;
        var seconds = $"{Math.Max(1, (int)interval.TotalSeconds)}s";
        var scrape = string.Concat(jobs.Select(j => $"  - job_name: \"{j.Job}\"\n    static_configs:\n      - targets: [{string.Join(", ", j.Targets.Select(t => $"\"{t}\""))}]\n"));
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"global:\n  scrape_interval: {seconds}\n  evaluation_interval: {seconds}\nscrape_configs:\n{scrape}");
        var (process, ready) = await ChaosProcess.StartExecutableAsync(
            "prometheus", executable,
            [$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory, "data")}", "--web.listen-address=127.0.0.1:0", "--log.level=info"],
            Listening());
        var server = new PrometheusServer(process, directory, new Uri($"http://127.0.0.1:{ready.Groups[1].Value}/"));
        using var http = new HttpClient();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(server.Url, "-/ready"));
                if (response.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException) when (DateTimeOffset.UtcNow < deadline)
            {
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                await server.DisposeAsync();
                throw new TimeoutException("prometheus was not ready within 30 s:\n" + process.Output);
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"msg=""Listening on"" address=127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();
}
