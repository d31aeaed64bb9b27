using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Policies;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.Sidecar.Hosting;
using Microsoft.Extensions.Configuration;

namespace Mesh.Heal.IntegrationTests.Deploy;

/// <summary>The deployment files are checked against what the programs actually read: the Dockerfile builds every
/// project it needs, each container runs a role of the image with settings its program binds, ports and probes land on
/// the listeners that serve them, and mounted policies and configs are valid.</summary>
public class DeployTests
{
    private static readonly Dictionary<string, (string Section, Type Options, string[] Listeners, string MetricsListener, string[] ProbePaths)> Roles = new()
    {
        ["sidecar"] = ("Sidecar", typeof(SidecarOptions), ["ListenUrl", "AdminUrl", "InboundListenUrl"], "AdminUrl", ["/healthz", "/readyz"]),
        ["control-plane"] = ("ControlPlane", typeof(ControlPlaneOptions), ["GrpcUrl", "HttpUrl"], "HttpUrl", ["/healthz"]),
    };

    /// <summary>The control planes a deployer applies one of: one replica on SQLite, or three on PostgreSQL, with the same
    /// names so that the example workload's sidecars reach either. Each is checked together with the example.</summary>
    public static readonly TheoryData<string> ControlPlanes = new() { "control-plane.yaml", "control-plane-ha.yaml" };

    private const string Example = "example-orders.yaml";

    /// <summary>Each control plane with each example workload a deployer applies with it: the one with the sidecar written
    /// in, and the plain one as <c>meshctl inject</c> (and the admission webhook, by the same code) turns it into.</summary>
    public static readonly TheoryData<string, string> Installations = new()
    {
        { "control-plane.yaml", Example },
        { "control-plane-ha.yaml", Example },
        { "control-plane.yaml", InjectionDeployTests.PlainExample },
        { "control-plane-ha.yaml", InjectionDeployTests.PlainExample },
    };

    [Fact]
    public void Dockerfile_RestoresEveryProjectItPublishes_AndTheEntryScriptStartsWhatWasPublished()
    {
        var dockerfile = Manifests.Dockerfile();
        var restore = dockerfile.IndexOf("RUN dotnet restore", StringComparison.Ordinal);
        // JIT programs are published with `dotnet publish`; the sidecar is the NativeAOT executable that the benchmarks'
        // script publishes (its `dotnet publish` line names the project), copied from the script's output directory.
        var publishes = Regex.Matches(dockerfile, @"dotnet publish (src/[^/]+/[^ ]+\.csproj) .*?-o (/out/\S+)")
            .Select(m => (Project: m.Groups[1].Value, Output: m.Groups[2].Value, Program: AssemblyName(m.Groups[1].Value) + ".dll", m.Index))
            .ToList();
        var native = Regex.Match(dockerfile, @"RUN (tests/bench/publish-sidecar-aot\.sh) (/out/\S+)\s+&& mkdir -p (/out/\S+) && cp \2/(\S+) ");
        Assert.True(native.Success, "the Dockerfile publishes the sidecar with tests/bench/publish-sidecar-aot.sh and copies the executable");
        Assert.Contains($"COPY {native.Groups[1].Value} ", dockerfile, StringComparison.Ordinal);
        // .dockerignore leaves tests/ out of the build context, all but the script.
        Assert.Contains($"!{native.Groups[1].Value}\n", File.ReadAllText(Manifests.PathOf(".dockerignore")), StringComparison.Ordinal);
        var nativeProject = Regex.Match(File.ReadAllText(Manifests.PathOf(native.Groups[1].Value)), @"dotnet publish (src/\S+\.csproj) ").Groups[1].Value;
        Assert.Equal(AssemblyName(nativeProject), native.Groups[4].Value);
        publishes.Add((nativeProject, native.Groups[3].Value, native.Groups[4].Value, native.Index));
        Assert.True(restore > 0 && publishes.Count >= 3, "the Dockerfile restores, then publishes the sidecar, the control plane and meshctl");

        var roles = Manifests.EntryRoles();
        Assert.Superset(new HashSet<string> { "sidecar", "control-plane", "meshctl" }, roles.Keys.ToHashSet());
        foreach (var (project, output, program, _) in publishes)
        {
            foreach (var needed in ProjectClosure(project))
            {
                var copy = dockerfile.IndexOf($"COPY {needed} ", StringComparison.Ordinal);
                Assert.True(copy >= 0 && copy < restore, $"{needed} (needed by {project}) is copied before the restore");
            }

            var app = Regex.Match(dockerfile, $@"COPY --from=build {Regex.Escape(output)} (\S+)");
            Assert.True(app.Success, $"the runtime stage copies {output}");
            Assert.Contains($"{app.Groups[1].Value}/{program}", roles.Values);
        }

        var protoCopy = dockerfile.IndexOf("COPY proto/ proto/", StringComparison.Ordinal);
        Assert.InRange(protoCopy, restore, publishes.Min(p => p.Index));
        var entry = Regex.Match(dockerfile, @"ENTRYPOINT \[""([^""]+)""\]").Groups[1].Value;
        Assert.Matches($@"COPY (--chmod=755 )?deploy/docker/meshheal.sh {Regex.Escape(entry)}\n", dockerfile);
        Assert.Contains(Regex.Match(dockerfile, @"CMD \[""([^""]+)""").Groups[1].Value, roles.Keys);
    }

    [Fact]
    public void Dockerfile_RuntimeStage_InstallsIptables_WhichMeshctlInitNetworkRuns()
    {
        var dockerfile = Manifests.Dockerfile();
        var runtime = dockerfile.IndexOf(" AS runtime", StringComparison.Ordinal);
        var install = Regex.Match(dockerfile[runtime..], @"apt-get install -y --no-install-recommends ([^\n&]+)");

        // An injected pod's init container is this image running `meshctl init-network`, which runs Debian's iptables.
        Assert.True(install.Success, "the runtime stage installs packages with apt-get");
        Assert.Contains("iptables", install.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [MemberData(nameof(Installations))]
    public void Containers_RunARoleOfTheImage_WithSettingsTheProgramBinds_PortsAndProbesOnItsListeners(string manifest, string example)
    {
        var all = Installation(manifest, example);
        var containers = MeshHealContainers(all).ToList();
        Assert.Equal(["control-plane", "sidecar"], containers.Select(c => c.Role).Distinct().Order(StringComparer.Ordinal));
        foreach (var (deployment, container, role) in containers)
        {
            var (section, type, listeners, metricsListener, probePaths) = Roles[role];
            var env = Environment(container);
            var config = new ConfigurationBuilder().AddInMemoryCollection(env.Select(kv => KeyValuePair.Create(kv.Key.Replace("__", ":", StringComparison.Ordinal), (string?)kv.Value))).Build();
            foreach (var (bound, boundType) in BoundSections(role, section, type))
            {
                // A feature's own section binds to its options class; the rest of the role's section to the host's.
                var settings = config.GetSection(bound);
                var features = bound == section ? FeatureSections(role) : [];
                var own = new ConfigurationBuilder().AddInMemoryCollection(settings.AsEnumerable(makePathsRelative: true)
                    .Where(kv => kv.Value is not null && !features.Any(f => kv.Key.StartsWith(f[(section.Length + 1)..] + ":", StringComparison.Ordinal)))).Build();
                var options = Activator.CreateInstance(boundType)!;
                var bind = Record.Exception(() => own.Bind(options, o => o.ErrorOnUnknownConfiguration = true));
                Assert.True(bind is null, $"{container}: {bound}: {bind?.Message}");
            }

            var other = Roles.Single(r => r.Key != role).Value.Section + "__";
            Assert.All(container["env"].Items.Select(e => e["name"].Text), k => Assert.False(k.StartsWith(other, StringComparison.Ordinal), $"{container}: {k} is another role's setting"));

            var ports = container["ports"].Items.ToDictionary(p => p["name"].Text, p => Convert.ToInt32(p["containerPort"].Value));
            // An optional listener (the sidecar's inbound one) counts where it is set.
            var listening = listeners.Where(l => config[$"{section}:{l}"] is not null).ToDictionary(l => l, l => Port(config[$"{section}:{l}"]!));
            Assert.Equal(listening.Values.Order(), ports.Values.Order());
            foreach (var probe in new[] { "readinessProbe", "livenessProbe" }.Select(container.Get).OfType<Node>())
            {
                if (probe.Get("tcpSocket") is { } tcp)
                {
                    Assert.Contains(ResolvePort(tcp["port"], ports), listening.Values);
                    continue;
                }

                var get = probe["httpGet"];
                Assert.Equal(listening[metricsListener], ResolvePort(get["port"], ports));
                Assert.Contains(get["path"].Text, probePaths);
            }

            var annotations = deployment["spec"]["template"]["metadata"]["annotations"];
            Assert.Equal(listening[metricsListener], int.Parse(annotations["prometheus.io/port"].Text, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal("/metrics", annotations["prometheus.io/path"].Text);
        }
    }

    // The control plane binds each feature's subsection to that feature's options class.
    private static string[] FeatureSections(string role) => role == "control-plane"
        ? ControlPlaneSections.ByType.Values.Where(s => s != ControlPlaneSections.Host).ToArray()
        : [];

    private static IEnumerable<(string Section, Type Type)> BoundSections(string role, string section, Type type) => role == "control-plane"
        ? ControlPlaneSections.ByType.Select(kv => (kv.Value, kv.Key))
        : [(section, type)];

    [Theory]
    [MemberData(nameof(Installations))]
    public void FilesTheContainersRead_AreMounted_FromKeysThatExist(string manifest, string example)
    {
        var all = Installation(manifest, example);
        foreach (var (deployment, container, role) in MeshHealContainers(all))
        {
            var env = Environment(container);
            var files = env.Values.Where(v => v.StartsWith("file:", StringComparison.Ordinal)).Select(v => v[5..]).ToList();
            var args = container["args"].Items.Select(a => a.Text).ToList();
            if (args.IndexOf("--config") is var c and >= 0)
            {
                files.Add(args[c + 1]);
            }

            foreach (var file in files)
            {
                var (volume, key) = Mounted(deployment, container, file);
                Assert.True(key is null || SourceKeys(all, deployment, volume).Contains(key), $"{container}: {file} is key '{key}' of volume '{volume["name"].Text}', which has no such key");
            }

            // The SQLite file (StorePath, set by the image) is only written when the store is SQLite.
            var section = Roles[role].Section + "__";
            var sqlite = !string.Equals(env.GetValueOrDefault("ControlPlane__Store__Provider"), "postgres", StringComparison.OrdinalIgnoreCase);
            foreach (var directory in env.Where(kv => kv.Key.StartsWith(section, StringComparison.Ordinal)
                && (kv.Key.EndsWith("Directory", StringComparison.Ordinal) || (sqlite && kv.Key.EndsWith("StorePath", StringComparison.Ordinal)))).Select(kv => kv.Value))
            {
                Mounted(deployment, container, directory);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Installations))]
    public void MountedPolicies_AreValid_AndTheSidecarConfigStartsASidecar(string manifest, string example)
    {
        var all = Installation(manifest, example);
        var checkedPolicies = 0;
        var checkedConfigs = 0;
        foreach (var (deployment, container, role) in MeshHealContainers(all))
        {
            var env = Environment(container);
            if (role == "control-plane" && env.GetValueOrDefault("ControlPlane__PolicyDirectory") is { } directory)
            {
                var (volume, _) = Mounted(deployment, container, directory);
                foreach (var (name, document) in ConfigMap(all, deployment, volume)["data"].Entries)
                {
                    var (_, policy, errors) = PolicyDocument.Parse(document.Text, service: null, maxBytes: new LimitOptions().MaxPolicyBytes);
                    Assert.True(policy is not null, $"{document}: {string.Join("; ", errors)}");
                    checkedPolicies++;
                }
            }

            var args = container["args"].Items.Select(a => a.Text).ToList();
            if (role == "sidecar" && args.IndexOf("--config") is var c and >= 0)
            {
                var (volume, key) = Mounted(deployment, container, args[c + 1]);
                var path = Path.Combine(Directory.CreateTempSubdirectory("meshheal-deploy-").FullName, key!);
                File.WriteAllText(path, ConfigMap(all, deployment, volume)["data"][key!].Text);
                var build = Record.Exception(() =>
                {
                    using var app = SidecarHost.Build(["--config", path, "--Sidecar:ListenUrl=http://127.0.0.1:0", "--Sidecar:AdminUrl=http://127.0.0.1:0"]);
                });
                Assert.True(build is null, $"{container}: {build?.Message}");
                checkedConfigs++;
            }
        }

        Assert.True(checkedPolicies > 0 && checkedConfigs > 0, "the manifests mount at least one policy and one sidecar config");
    }

    [Fact]
    public void Examples_ThePolicyIsValid_AndTheSidecarConfigBuildsASidecar()
    {
        var policies = Directory.GetFiles(Manifests.PathOf("deploy/examples"), "*.yaml");
        Assert.NotEmpty(policies);
        foreach (var file in policies)
        {
            var (_, policy, errors) = PolicyDocument.Parse(File.ReadAllText(file), service: null, maxBytes: new LimitOptions().MaxPolicyBytes);
            Assert.True(policy is not null, $"{file}: {string.Join("; ", errors)}");
        }

        var build = Record.Exception(() =>
        {
            using var app = SidecarHost.Build(
                ["--config", Manifests.PathOf("deploy/examples/sidecar.json"), "--Sidecar:ListenUrl=http://127.0.0.1:0", "--Sidecar:AdminUrl=http://127.0.0.1:0"]);
        });
        Assert.Null(build);
    }

    [Theory]
    [MemberData(nameof(Installations))]
    public void Services_TargetContainerPorts_AndSidecarsReachTheControlPlanesGrpcListener(string manifest, string example)
    {
        var all = Installation(manifest, example);
        var deployments = Kind(all, "Deployment").ToList();
        foreach (var service in Kind(all, "Service"))
        {
            var selector = service["spec"]["selector"].Entries.ToDictionary(e => e.Key, e => e.Value.Text);
            var target = deployments.Single(d => Namespace(d) == Namespace(service)
                && selector.All(s => d["spec"]["template"]["metadata"]["labels"].Get(s.Key)?.Text == s.Value));
            var ports = target["spec"]["template"]["spec"]["containers"].Items.SelectMany(c => c.Get("ports")?.Items ?? [])
                .ToDictionary(p => p["name"].Text, p => Convert.ToInt32(p["containerPort"].Value));
            foreach (var port in service["spec"]["ports"].Items)
            {
                ResolvePort(port["targetPort"], ports);
            }
        }

        var (controlPlane, cpContainer, _) = MeshHealContainers(all).Single(c => c.Role == "control-plane");
        var grpcPort = Port(Environment(cpContainer)["ControlPlane__GrpcUrl"]);
        foreach (var (_, sidecar, _) in MeshHealContainers(all).Where(c => c.Role == "sidecar"))
        {
            var url = new Uri(Environment(sidecar)["Sidecar__ControlPlaneUrl"]);
            var host = url.Host.Split('.');
            var service = Kind(all, "Service").Single(s => s["metadata"]["name"].Text == host[0] && Namespace(s) == host[1]);
            Assert.Equal(Namespace(controlPlane), Namespace(service));
            var port = service["spec"]["ports"].Items.Single(p => Convert.ToInt32(p["port"].Value) == url.Port);
            Assert.Equal(grpcPort, ResolvePort(port["targetPort"], cpContainer["ports"].Items.ToDictionary(p => p["name"].Text, p => Convert.ToInt32(p["containerPort"].Value))));
        }

        // Each sidecar presents its own service's token (ControlPlane:Auth:ServiceTokens:<service>), never a mesh-wide one.
        var cpEnvironment = Environment(cpContainer);
        Assert.DoesNotContain(cpEnvironment.Keys, k => k.StartsWith("ControlPlane__Auth__SidecarTokens", StringComparison.Ordinal));
        var tokens = Kind(all, "Secret").Single(s => s["metadata"]["name"].Text == "meshheal-tokens")["stringData"];
        foreach (var (deployment, sidecar, _) in MeshHealContainers(all).Where(c => c.Role == "sidecar"))
        {
            var serviceName = Environment(sidecar)["Sidecar__Service"];
            Assert.True(cpEnvironment.TryGetValue($"ControlPlane__Auth__ServiceTokens__{serviceName}__0", out var file), $"the control plane has a token of service {serviceName}");
            var reference = sidecar["env"].Items.Single(e => e["name"].Text == "Sidecar__ControlPlaneToken")["valueFrom"]["secretKeyRef"];
            var secret = Kind(all, "Secret").Single(s => s["metadata"]["name"].Text == reference["name"].Text && Namespace(s) == Namespace(deployment));
            Assert.Equal(tokens[Path.GetFileName(file)].Text, secret["stringData"][reference["key"].Text].Text);
        }
    }

    [Fact]
    public void EveryManifest_IsAControlPlaneOrTheExample_SoTheTestsAboveCheckIt()
    {
        string[] checkedFiles = [.. ((IEnumerable<object[]>)ControlPlanes).Select(row => (string)row[0]), Example, InjectionDeployTests.PlainExample, InjectionDeployTests.Webhook];

        Assert.Equal(checkedFiles.Order(StringComparer.Ordinal), Manifests.KubernetesFiles());
    }

    [Fact]
    public void ControlPlaneHa_ThreeReplicasOnThreeNodes_RollingUpdate_DisruptionBudget_AndLivenessThatOutlivesTheDatabase()
    {
        var all = Installation("control-plane-ha.yaml");
        var (deployment, container, _) = MeshHealContainers(all).Single(c => c.Role == "control-plane");
        var spec = deployment["spec"];
        var labels = spec["template"]["metadata"]["labels"];

        Assert.Equal(3, Convert.ToInt32(spec["replicas"].Value, CultureInfo.InvariantCulture));
        Assert.Equal("RollingUpdate", spec["strategy"]["type"].Text);
        var apart = Assert.Single(spec["template"]["spec"]["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"].Items);
        Assert.Equal("kubernetes.io/hostname", apart["topologyKey"].Text);
        Assert.True(Selects(apart["labelSelector"], labels), $"{apart}: does not select the control plane's own pods");

        var budget = Assert.Single(Kind(all, "PodDisruptionBudget"), p => Namespace(p) == Namespace(deployment) && Selects(p["spec"]["selector"], labels));
        Assert.Equal(2, Convert.ToInt32(budget["spec"]["minAvailable"].Value, CultureInfo.InvariantCulture));

        // Readiness is /healthz, which checks the store; liveness must not be, or a PostgreSQL outage restarts every replica.
        var ports = container["ports"].Items.ToDictionary(p => p["name"].Text, p => Convert.ToInt32(p["containerPort"].Value, CultureInfo.InvariantCulture));
        Assert.Equal("/healthz", container["readinessProbe"]["httpGet"]["path"].Text);
        var liveness = container["livenessProbe"];
        Assert.Null(liveness.Get("httpGet"));
        Assert.Equal(ports["grpc"], ResolvePort(liveness["tcpSocket"]["port"], ports));
    }

    [Fact]
    public void ControlPlaneHa_StoreIsPostgres_FromASecret_ReplicaIdIsThePodName_AndSidecarsUseTheHeadlessService()
    {
        var all = Installation("control-plane-ha.yaml");
        var (deployment, container, _) = MeshHealContainers(all).Single(c => c.Role == "control-plane");
        var env = container["env"].Items.ToDictionary(e => e["name"].Text);

        // Bound as the control plane binds its store section (the shape test above rejects a key it does not know).
        var store = new StoreOptions();
        new ConfigurationBuilder().AddInMemoryCollection(Environment(container).Select(kv => KeyValuePair.Create(kv.Key.Replace("__", ":", StringComparison.Ordinal), (string?)kv.Value)))
            .Build().GetSection(ControlPlaneSections.Store).Bind(store);
        Assert.Equal(StoreProvider.Postgres, store.ProviderKind);
        var connection = env["ControlPlane__Store__ConnectionString"]["valueFrom"]["secretKeyRef"];
        var secret = Kind(all, "Secret").Single(s => s["metadata"]["name"].Text == connection["name"].Text && Namespace(s) == Namespace(deployment));
        Assert.Contains(connection["key"].Text, secret["stringData"].Entries.Select(e => e.Key));
        Assert.Equal("metadata.name", env["ControlPlane__Store__ReplicaId"]["valueFrom"]["fieldRef"]["fieldPath"].Text);
        Assert.DoesNotContain(deployment["spec"]["template"]["spec"]["volumes"].Items, v => v.Get("persistentVolumeClaim") is not null);

        // The sidecars' address is a headless Service (every ready replica's address, tried in turn); the API has its own Service.
        var labels = deployment["spec"]["template"]["metadata"]["labels"];
        var services = Kind(all, "Service").Where(s => Namespace(s) == Namespace(deployment) && Selects(s["spec"]["selector"], labels)).ToList();
        foreach (var (_, sidecar, _) in MeshHealContainers(all).Where(c => c.Role == "sidecar"))
        {
            var url = new Uri(Environment(sidecar)["Sidecar__ControlPlaneUrl"]);
            var used = Assert.Single(services, s => s["metadata"]["name"].Text == url.Host.Split('.')[0]);
            Assert.Equal("None", used["spec"]["clusterIP"].Text);
        }

        Assert.Contains(services, s => s["spec"].Get("clusterIP") is null && s["spec"]["ports"].Items.Any(p => p["targetPort"].Text == "http"));
    }

    /// <summary>Whether a selector (<c>matchLabels</c>, or a Service's plain map) selects pods with <paramref name="labels"/>.</summary>
    private static bool Selects(Node selector, Node labels) =>
        (selector.Get("matchLabels") ?? selector).Entries.All(e => labels.Get(e.Key)?.Text == e.Value.Text);

    [Fact]
    public void PrometheusConfig_KeepsAnnotatedPods_AndItsLocalTargetsAreTheDefaultListeners()
    {
        var config = Manifests.Documents(Manifests.PathOf("deploy/prometheus/prometheus.yml")).Single();
        var jobs = config["scrape_configs"].Items.ToDictionary(j => j["job_name"].Text);
        Assert.Contains(jobs["meshheal-pods"]["relabel_configs"].Items, r =>
            r["source_labels"].Items.Single().Text == "__meta_kubernetes_pod_annotation_prometheus_io_scrape" && r["action"].Text == "keep");
        var targets = jobs["meshheal-local"]["static_configs"].Items.SelectMany(s => s["targets"].Items.Select(t => t.Text)).ToList();
        Assert.Contains($"127.0.0.1:{Port(new ControlPlaneOptions().HttpUrl)}", targets);
        Assert.Contains($"127.0.0.1:{Port(new SidecarOptions().AdminUrl)}", targets);
    }

    private static IReadOnlyList<Node> Installation(string controlPlane, string example = Example) => example == InjectionDeployTests.PlainExample
        ? [.. Manifests.Kubernetes(controlPlane), .. Manifests.Injected(example)]
        : Manifests.Kubernetes(controlPlane, example);

    private static IEnumerable<(Node Deployment, Node Container, string Role)> MeshHealContainers(IReadOnlyList<Node> all)
    {
        var roles = Manifests.EntryRoles();
        foreach (var deployment in Kind(all, "Deployment"))
        {
            foreach (var container in deployment["spec"]["template"]["spec"]["containers"].Items.Where(c => c["image"].Text.Contains("/meshheal:", StringComparison.Ordinal)))
            {
                var role = container["args"].Items.First().Text;
                Assert.True(roles.ContainsKey(role) && Roles.ContainsKey(role), $"{container}.args[0]: '{role}' is not a role of the image's entry script");
                yield return (deployment, container, role);
            }
        }
    }

    /// <summary>The image's environment with the container's on top; values from secrets or the downward API are placeholders.</summary>
    private static Dictionary<string, string> Environment(Node container)
    {
        var env = Manifests.ImageEnvironment();
        foreach (var e in container.Get("env")?.Items ?? [])
        {
            env[e["name"].Text] = e.Get("value")?.Text ?? "from-" + e["valueFrom"].Entries.Single().Key;
        }

        return env;
    }

    private static (Node Volume, string? Key) Mounted(Node deployment, Node container, string path)
    {
        var mount = container["volumeMounts"].Items.Where(m => path == m["mountPath"].Text || path.StartsWith(m["mountPath"].Text.TrimEnd('/') + "/", StringComparison.Ordinal))
            .MaxBy(m => m["mountPath"].Text.Length);
        Assert.True(mount is not null, $"{container}: {path} is on no volume mount");
        var volume = deployment["spec"]["template"]["spec"]["volumes"].Items.Single(v => v["name"].Text == mount["name"].Text);
        var rest = path.Length > mount["mountPath"].Text.Length ? path[(mount["mountPath"].Text.TrimEnd('/').Length + 1)..] : null;
        return (volume, rest);
    }

    private static IEnumerable<string> SourceKeys(IReadOnlyList<Node> all, Node deployment, Node volume)
    {
        if (volume.Get("secret") is { } secret)
        {
            var found = Kind(all, "Secret").Single(s => s["metadata"]["name"].Text == secret["secretName"].Text && Namespace(s) == Namespace(deployment));
            return (found.Get("stringData") ?? found["data"]).Entries.Select(e => e.Key);
        }

        return volume.Get("configMap") is not null ? ConfigMap(all, deployment, volume)["data"].Entries.Select(e => e.Key) : [];
    }

    private static Node ConfigMap(IReadOnlyList<Node> all, Node deployment, Node volume) =>
        Kind(all, "ConfigMap").Single(m => m["metadata"]["name"].Text == volume["configMap"]["name"].Text && Namespace(m) == Namespace(deployment));

    private static IEnumerable<Node> Kind(IReadOnlyList<Node> all, string kind) => all.Where(d => d.Get("kind")?.Text == kind);

    private static string Namespace(Node resource) => resource["metadata"].Get("namespace")?.Text ?? "default";

    private static int ResolvePort(Node port, Dictionary<string, int> ports) => port.Value switch
    {
        string name when !int.TryParse(name, out _) => ports.TryGetValue(name, out var p) ? p : throw new Xunit.Sdk.XunitException($"{port}: no container port named '{name}'"),
        var number => Assert.Single(ports.Values, v => v == Convert.ToInt32(number)),
    };

    private static int Port(string url) => new Uri(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal)).Port;

    private static string AssemblyName(string project) =>
        XDocument.Load(Manifests.PathOf(project)).Descendants("AssemblyName").SingleOrDefault()?.Value ?? Path.GetFileNameWithoutExtension(project);

    /// <summary>The project and every project it references, transitively, as repository paths.</summary>
    private static IEnumerable<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>([project]);
        while (queue.TryDequeue(out var next))
        {
            if (!seen.Add(next))
            {
                continue;
            }

            var directory = Path.GetDirectoryName(Manifests.PathOf(next))!;
            foreach (var reference in XDocument.Load(Manifests.PathOf(next)).Descendants("ProjectReference"))
            {
                var full = Path.GetFullPath(Path.Combine(directory, reference.Attribute("Include")!.Value.Replace('\\', '/')));
                queue.Enqueue(Path.GetRelativePath(Manifests.Root, full).Replace('\\', '/'));
            }
        }

        return seen;
    }
}
