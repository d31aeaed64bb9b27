using System.Diagnostics;
using CsCheck;
using Mesh.Heal.Policy;
using Mesh.Heal.Sidecar.Configuration;
using Mesh.Heal.Sidecar.Configuration.Internal;
using Mesh.Heal.Sidecar.Tests.Integration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Configuration;

namespace Mesh.Heal.Sidecar.Tests.Configuration.Fuzz;

/// <summary>Fuzzes the sidecar's live config reload with random <c>ReverseProxy</c> and <c>Resilience</c> sections (issue 17).</summary>
/// <remarks>
/// Each input is written to the watched file and reloaded through <see cref="GuardedJsonConfigurationProvider"/>. The property:
/// the reload never throws, stays within a bounded time and allocation, and either refuses the change (the rejection is
/// counted with a reason, and the configuration in force is exactly what it was) or publishes exactly the file, and then
/// what it published is valid: YARP reads the section and its own validator finds nothing wrong with any route or
/// cluster, and the <c>Resilience</c> section reads to a policy that <see cref="ResiliencePolicyValidator"/> accepts. Fixed
/// seed and a bounded count; each file in <c>Corpus/config-reload</c> is replayed as its own case.
/// </remarks>
[Collection(nameof(SidecarCollection))]
public sealed class ConfigReloadFuzzTests : IAsyncLifetime
{
    private const ulong Seed = 0x5EED_0003;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);
    private const int Iterations = 2000;
    private const long MaxAllocatedBytes = 64L * 1024 * 1024;
    private static readonly TimeSpan MaxReloadTime = TimeSpan.FromSeconds(5);
    private const string CorpusDirectory = "Configuration/Fuzz/Corpus/config-reload";
    private const string Good = """
        { "Sidecar": { "Service": "orders" },
          "ReverseProxy": { "Routes": { "all": { "ClusterId": "backend", "Match": { "Path": "{**catch-all}" } } },
                            "Clusters": { "backend": { "Destinations": { "d1": { "Address": "http://127.0.0.1:1/" } } } } },
          "Resilience": { "Clusters": { "backend": { "Timeout": "2s" } } } }
        """;

    private TestSidecar? _sidecar;
    private IConfigValidator? _yarpValidator;

    public async Task InitializeAsync()
    {
        // A real sidecar's YARP validator knows the sidecar's own policies (load balancing, passive health). It is read
        // from the sidecar's services, so this sidecar is in-process even when the integration tests run the native one.
        _sidecar = await TestSidecar.StartInProcessAsync(Good);
        _yarpValidator = _sidecar.Services.GetRequiredService<IConfigValidator>();
    }

    public async Task DisposeAsync()
    {
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
        }
    }

    public static TheoryData<string> CorpusFiles() => FuzzCorpus.Files(CorpusDirectory);

    [Fact]
    public void Corpus_IsThere()
    {
        Assert.True(CorpusFiles().Count >= 8, "the corpus was not copied to the output directory: " + CorpusDirectory);
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Reload_CorpusFile_HoldsTheProperty(string name)
    {
        using var harness = new Harness(_yarpValidator!);
        harness.Check(File.ReadAllText(FuzzCorpus.Path(name)));
    }

    [Fact]
    public void Reload_GeneratedFiles_HoldTheProperty()
    {
        using var harness = new Harness(_yarpValidator!);
        var runs = FuzzRunner.Run(ConfigGen.Document, harness.Check, Seed, Iterations, Budget);
        Assert.True(harness.Accepted > runs / 20, $"only {harness.Accepted} of {runs} inputs were accepted: the generator hardly reaches the valid space");
        Assert.True(harness.Rejected > runs / 20, $"only {harness.Rejected} of {runs} inputs were rejected: the generator hardly reaches the invalid space");
    }

    /// <summary>One watched file and its guarded provider; the file watcher's own reloads are held off so each check is synchronous.</summary>
    private sealed class Harness : IDisposable
    {
        private readonly IConfigValidator _yarpValidator;
        private readonly string _directory = Directory.CreateTempSubdirectory("meshheal-fuzz-").FullName;
        private readonly string _path;
        private readonly ConfigReloadStatus _status = new();
        private readonly GuardedJsonConfigurationProvider _provider;

        public Harness(IConfigValidator yarpValidator)
        {
            _yarpValidator = yarpValidator;
            _path = Path.Combine(_directory, "sidecar.json");
            File.WriteAllText(_path, Good);
            _provider = new GuardedJsonConfigurationProvider(new GuardedJsonConfigurationSource(_path, _status) { ReloadDelay = TimeSpan.FromDays(1) });
            _provider.Load();
        }

        public int Accepted { get; private set; }

        public int Rejected { get; private set; }

        public void Check(string json)
        {
            var before = Snapshot();
            var rejectionsBefore = _status.Rejections;
            File.WriteAllText(_path, json);

            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            _provider.Reload();
            clock.Stop();
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

            Assert.True(clock.Elapsed < MaxReloadTime, $"the reload took {clock.Elapsed}");
            Assert.True(allocated < MaxAllocatedBytes, $"the reload allocated {allocated} bytes");
            var after = Snapshot();
            if (_status.Rejections != rejectionsBefore)
            {
                Rejected++;
                Assert.Equal(rejectionsBefore + 1, _status.Rejections);
                Assert.False(string.IsNullOrWhiteSpace(_status.LastRejection));
                Assert.Equal(before, after);
                return;
            }

            Accepted++;
            var candidate = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build();
            Assert.Equal(Flatten(candidate), after);
            AssertValid(candidate);
        }

        public void Dispose()
        {
            _provider.Dispose();
            Directory.Delete(_directory, recursive: true);
        }

        private void AssertValid(IConfiguration candidate)
        {
            var (policy, errors) = PolicyReader.Read(candidate, version: 1, PolicyReader.KnownClusters(candidate));
            Assert.True(policy is not null, "accepted, but the policy does not read: " + string.Join("; ", errors));
            var policyErrors = ResiliencePolicyValidator.Validate(policy!, PolicyReader.KnownClusters(candidate));
            Assert.True(policyErrors.Count == 0, "accepted, but the policy is invalid: " + string.Join("; ", policyErrors));

            // YARP's own reader throws on a section it cannot read at first load; its validator then checks every item.
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddReverseProxy().LoadFromConfig(candidate.GetSection("ReverseProxy"));
            using var provider = services.BuildServiceProvider();
            var config = provider.GetRequiredService<IProxyConfigProvider>().GetConfig();
            var clusterIds = new HashSet<string>(config.Clusters.Select(c => c.ClusterId), StringComparer.OrdinalIgnoreCase);
            foreach (var route in config.Routes)
            {
                var routeErrors = _yarpValidator.ValidateRouteAsync(route).AsTask().GetAwaiter().GetResult();
                Assert.True(routeErrors.Count == 0, $"accepted, but YARP refuses route {route.RouteId}: {string.Join("; ", routeErrors.Select(e => e.Message))}");
                Assert.Contains(route.ClusterId!, clusterIds);
            }

            foreach (var cluster in config.Clusters)
            {
                var clusterErrors = _yarpValidator.ValidateClusterAsync(cluster).AsTask().GetAwaiter().GetResult();
                Assert.True(clusterErrors.Count == 0, $"accepted, but YARP refuses cluster {cluster.ClusterId}: {string.Join("; ", clusterErrors.Select(e => e.Message))}");
                foreach (var (_, destination) in cluster.Destinations ?? new Dictionary<string, DestinationConfig>())
                {
                    Assert.True(Uri.TryCreate(destination.Address, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https", $"accepted, but '{destination.Address}' is not an address");
                }
            }
        }

        private SortedDictionary<string, string> Snapshot() => Flatten(_provider.Current);

        private static SortedDictionary<string, string> Flatten(IConfiguration configuration) => Flatten(configuration.AsEnumerable());

        private static SortedDictionary<string, string> Flatten(IEnumerable<KeyValuePair<string, string?>> pairs)
        {
            var data = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (key, value) in pairs)
            {
                if (value is not null)
                {
                    data[key] = value;
                }
            }

            return data;
        }
    }
}
