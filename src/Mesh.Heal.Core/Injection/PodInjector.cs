using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Heal.Injection.Internal;
using Mesh.Heal.Interception;

namespace Mesh.Heal.Injection;

/// <summary>Adds the Mesh.Heal init and sidecar containers to a pod template: the one injection <c>meshctl inject</c> and the
/// control plane's admission webhook both run.</summary>
/// <remarks>
/// <para>The template is a Pod's or a workload's <c>spec.template</c>: an object with <c>metadata</c> and <c>spec</c>. Added:
/// the init container <c>meshheal-init</c> (<c>meshctl init-network</c>: redirects the pod's TCP through the sidecar,
/// root with NET_ADMIN and NET_RAW only), the container <c>meshheal-sidecar</c> (uid 1337, interception, inbound
/// listener in front of the first app port, identity, probes on the admin port), an <c>emptyDir</c> for its state, the
/// annotation <c>meshheal.io/injected</c> with the Mesh.Heal version, and (unless the template has a
/// <c>prometheus.io/scrape</c> annotation already) <c>prometheus.io/scrape</c>, <c>port</c> and <c>path</c> for the
/// sidecar's <c>/metrics</c> on the admin port.</para>
/// <para>The service is the <c>meshheal.io/service</c> annotation, else the label <c>app.kubernetes.io/name</c>, else
/// <c>app</c>, else the workload's name. A template with <c>meshheal.io/inject: disabled</c> (annotation or label), with
/// the <c>meshheal.io/injected</c> annotation or with a <c>meshheal-sidecar</c> container is left as it is, so injecting
/// twice changes nothing.</para>
/// <para>With the annotation <c>meshheal.io/config: &lt;ConfigMap&gt;</c>, that ConfigMap's key <c>sidecar.json</c> is mounted
/// (read-only, the directory, so that the sidecar sees the ConfigMap's updates) at <c>/etc/meshheal/sidecar.json</c> and the
/// sidecar runs with <c>--config /etc/meshheal/sidecar.json</c>: its routes, clusters and local resilience policy.</para>
/// </remarks>
public static class PodInjector
{
    /// <summary>The Mesh.Heal version written into the <c>meshheal.io/injected</c> annotation.</summary>
    public const string Version = InjectionConstants.Version;

    /// <summary>The annotation that opts a template in (<c>enabled</c>) or out (<c>disabled</c>).</summary>
    public const string InjectAnnotation = InjectionConstants.InjectAnnotation;

    /// <summary>The annotation an injected template carries.</summary>
    public const string InjectedAnnotation = InjectionConstants.InjectedAnnotation;

    /// <summary>The name of the sidecar container.</summary>
    public const string SidecarContainer = InjectionConstants.SidecarContainer;

    /// <summary>The name of the init container that installs the interception rules.</summary>
    public const string InitContainer = InjectionConstants.InitContainer;

    /// <summary>The annotation naming a ConfigMap whose key <c>sidecar.json</c> is the sidecar's configuration file.</summary>
    public const string ConfigAnnotation = InjectionConstants.ConfigAnnotation;

    /// <summary>Injects <paramref name="template"/> in place.</summary>
    /// <param name="template">The pod template (<c>metadata</c>, <c>spec</c>).</param>
    /// <param name="workloadName">The workload's name, the service's name when no label gives one; null for a bare Pod.</param>
    /// <param name="options">Image, control plane, token Secret.</param>
    /// <returns>What was done; the template is changed only for <see cref="InjectionOutcome.Injected"/>.</returns>
    /// <exception cref="InjectionException">The template is not one that can be injected; the message names the field.</exception>
    public static InjectionOutcome Inject(JsonObject template, string? workloadName, InjectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(options);
        var metadata = OptionalObject(template, "metadata", "metadata");
        var annotations = metadata is null ? null : OptionalObject(metadata, "annotations", "metadata.annotations");
        var labels = metadata is null ? null : OptionalObject(metadata, "labels", "metadata.labels");
        var spec = template["spec"] as JsonObject ?? throw new InjectionException("spec", "missing or not an object; accepted: a pod spec");
        var containers = spec["containers"] as JsonArray
            ?? throw new InjectionException("spec.containers", "missing or not a list; accepted: a list of containers");

        var annotation = Text(annotations, InjectionConstants.InjectAnnotation, "metadata.annotations");
        if (annotation == InjectionConstants.Disabled || Text(labels, InjectionConstants.InjectAnnotation, "metadata.labels") == InjectionConstants.Disabled)
        {
            return InjectionOutcome.Disabled;
        }

        var appContainers = new List<JsonObject>();
        for (var i = 0; i < containers.Count; i++)
        {
            var container = containers[i] as JsonObject ?? throw new InjectionException($"spec.containers[{i}]", "not an object; accepted: a container");
            var name = Text(container, "name", $"spec.containers[{i}]");
            if (name == InjectionConstants.SidecarContainer)
            {
                return InjectionOutcome.AlreadyInjected;
            }

            appContainers.Add(container);
        }

        if (annotations?.ContainsKey(InjectionConstants.InjectedAnnotation) == true)
        {
            return InjectionOutcome.AlreadyInjected;
        }

        if (options.OnlyAnnotated && annotation != InjectionConstants.Enabled)
        {
            return InjectionOutcome.NotAnnotated;
        }

        var service = Text(annotations, InjectionConstants.ServiceAnnotation, "metadata.annotations")
            ?? Text(labels, "app.kubernetes.io/name", "metadata.labels")
            ?? Text(labels, "app", "metadata.labels")
            ?? workloadName
            ?? throw new InjectionException("metadata.labels", "no service name; accepted: the annotation meshheal.io/service or the label app.kubernetes.io/name or app");
        var ports = AppPorts(appContainers);
        if (ports.Count == 0)
        {
            throw new InjectionException("spec.containers[*].ports", "no TCP containerPort: the sidecar's inbound listener forwards to the app's first port; accepted: at least one containerPort");
        }

        var configMap = Text(annotations, InjectionConstants.ConfigAnnotation, "metadata.annotations");
        if (configMap is not null && !IsDns1123Subdomain(configMap))
        {
            throw new InjectionException($"metadata.annotations.{InjectionConstants.ConfigAnnotation}",
                $"'{configMap}' is not a ConfigMap name; accepted: a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters)");
        }

        var initContainers = spec["initContainers"] switch
        {
            null => null,
            JsonArray list => list,
            _ => throw new InjectionException("spec.initContainers", "not a list; accepted: a list of containers"),
        };
        if (initContainers is null)
        {
            initContainers = [];
            spec["initContainers"] = initContainers;
        }

        // Last, so that the workload's own init containers run before their traffic is redirected to a sidecar that is not up yet.
        initContainers.Add((JsonNode)InitContainerFor(options, ports));
        containers.Add((JsonNode)SidecarFor(options, service, ports[0], configMap));
        var volumes = spec["volumes"] switch
        {
            null => null,
            JsonArray list => list,
            _ => throw new InjectionException("spec.volumes", "not a list; accepted: a list of volumes"),
        };
        if (volumes is null)
        {
            volumes = [];
            spec["volumes"] = volumes;
        }

        volumes.Add((JsonNode)new JsonObject { ["name"] = InjectionConstants.StateVolume, ["emptyDir"] = new JsonObject() });
        if (configMap is not null)
        {
            volumes.Add((JsonNode)new JsonObject
            {
                ["name"] = InjectionConstants.ConfigVolume,
                ["configMap"] = new JsonObject
                {
                    ["name"] = configMap,
                    ["items"] = new JsonArray(new JsonObject { ["key"] = InjectionConstants.ConfigKey, ["path"] = InjectionConstants.ConfigKey }),
                },
            });
        }

        if (metadata is null)
        {
            metadata = [];
            template["metadata"] = metadata;
        }

        if (annotations is null)
        {
            annotations = [];
            metadata["annotations"] = annotations;
        }

        annotations[InjectionConstants.InjectedAnnotation] = InjectionConstants.Version;

        // deploy/prometheus scrapes annotated pods; a workload that already says what to scrape keeps its own annotations.
        if (!annotations.ContainsKey(InjectionConstants.PrometheusScrapeAnnotation))
        {
            annotations[InjectionConstants.PrometheusScrapeAnnotation] = "true";
            annotations[InjectionConstants.PrometheusPortAnnotation] = Number(InterceptionDefaults.AdminPort);
            annotations[InjectionConstants.PrometheusPathAnnotation] = "/metrics";
        }
        return InjectionOutcome.Injected;
    }

    private static List<int> AppPorts(List<JsonObject> containers)
    {
        var ports = new List<int>();
        for (var c = 0; c < containers.Count; c++)
        {
            var field = $"spec.containers[{c}].ports";
            if (containers[c]["ports"] is not { } list)
            {
                continue;
            }

            if (list is not JsonArray array)
            {
                throw new InjectionException(field, "not a list; accepted: a list of container ports");
            }

            for (var p = 0; p < array.Count; p++)
            {
                if (array[p] is not JsonObject port)
                {
                    throw new InjectionException($"{field}[{p}]", "not an object; accepted: a container port");
                }

                if (Text(port, "protocol", $"{field}[{p}]") is { } protocol && protocol != "TCP")
                {
                    continue;
                }

                // A number parsed from JSON, read from YAML (a long) or built in code: its JSON text is the same.
                if (port["containerPort"] is not JsonValue value || value.GetValueKind() != JsonValueKind.Number
                    || !int.TryParse(value.ToJsonString(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
                {
                    throw new InjectionException($"{field}[{p}].containerPort", "missing or not a port number; accepted: 1 to 65535");
                }

                if (!ports.Contains(number))
                {
                    ports.Add(number);
                }
            }
        }

        return ports;
    }

    private static JsonObject InitContainerFor(InjectionOptions options, List<int> ports) => new()
    {
        ["name"] = InjectionConstants.InitContainer,
        ["image"] = options.Image,
        ["args"] = Array(
            "meshctl", "init-network",
            "--proxy-uid", Number(InterceptionDefaults.ProxyUid),
            "--outbound-port", Number(InterceptionDefaults.OutboundPort),
            "--inbound-port", Number(InterceptionDefaults.InboundPort),
            "--service-ports", string.Join(',', ports.Select(Number)),
            "--exclude-ports", string.Join(',', InterceptionDefaults.ExcludedPorts.Select(Number)),
            // The injected sidecar listens on IPv4 only (127.0.0.1:15001, 0.0.0.0:15006): IPv6 rules would send a
            // dual-stack pod's IPv6 TCP where nothing listens, so its IPv6 traffic is left alone.
            "--ipv6", "off"),
        ["securityContext"] = new JsonObject
        {
            ["runAsUser"] = 0,
            ["runAsNonRoot"] = false,
            ["capabilities"] = new JsonObject { ["add"] = Array("NET_ADMIN", "NET_RAW"), ["drop"] = Array("ALL") },
        },
    };

    private static JsonObject SidecarFor(InjectionOptions options, string service, int appPort, string? configMap) => new()
    {
        ["name"] = InjectionConstants.SidecarContainer,
        ["image"] = options.Image,
        ["args"] = configMap is null ? Array("sidecar") : Array("sidecar", "--config", InjectionConstants.ConfigPath),
        ["securityContext"] = new JsonObject
        {
            ["runAsUser"] = InterceptionDefaults.ProxyUid,
            ["runAsNonRoot"] = true,
            ["allowPrivilegeEscalation"] = false,
        },
        ["ports"] = new JsonArray(
            new JsonObject { ["name"] = "meshheal-proxy", ["containerPort"] = InterceptionDefaults.OutboundPort },
            new JsonObject { ["name"] = "meshheal-in", ["containerPort"] = InterceptionDefaults.InboundPort },
            new JsonObject { ["name"] = "meshheal-admin", ["containerPort"] = InterceptionDefaults.AdminPort }),
        ["env"] = new JsonArray(
            Env("Sidecar__Service", service),
            new JsonObject
            {
                ["name"] = "Sidecar__Instance",
                ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["fieldPath"] = "metadata.name" } },
            },
            Env("Sidecar__ListenUrl", "http://127.0.0.1:" + Number(InterceptionDefaults.OutboundPort)),
            Env("Sidecar__AdminUrl", "http://0.0.0.0:" + Number(InterceptionDefaults.AdminPort)),
            Env("Sidecar__StateDirectory", InjectionConstants.StateDirectory),
            Env("Sidecar__ControlPlaneUrl", options.ControlPlaneUrl),
            new JsonObject
            {
                ["name"] = "Sidecar__ControlPlaneToken",
                ["valueFrom"] = new JsonObject
                {
                    ["secretKeyRef"] = new JsonObject
                    {
                        ["name"] = options.TokenSecretPattern.Replace("{service}", service, StringComparison.Ordinal),
                        ["key"] = options.TokenSecretKey,
                    },
                },
            },
            Env("Sidecar__Interception__Enabled", "true"),
            Env("Sidecar__InboundListenUrl", "https://0.0.0.0:" + Number(InterceptionDefaults.InboundPort)),
            Env("Sidecar__InboundTarget", "http://127.0.0.1:" + Number(appPort)),
            Env("Sidecar__Identity__Enabled", "true")),
        ["readinessProbe"] = Probe("/readyz", 5),
        ["livenessProbe"] = Probe("/healthz", 10),
        ["resources"] = new JsonObject
        {
            ["requests"] = new JsonObject { ["cpu"] = "50m", ["memory"] = "64Mi" },
            ["limits"] = new JsonObject { ["memory"] = "256Mi" },
        },
        ["volumeMounts"] = configMap is null
            ? new JsonArray(StateMount())
            : new JsonArray(StateMount(), new JsonObject { ["name"] = InjectionConstants.ConfigVolume, ["mountPath"] = InjectionConstants.ConfigDirectory, ["readOnly"] = true }),
    };

    private static JsonObject StateMount() => new() { ["name"] = InjectionConstants.StateVolume, ["mountPath"] = InjectionConstants.StateDirectory };

    /// <summary>Whether <paramref name="name"/> is a Kubernetes object name of the DNS-1123 subdomain kind (ConfigMaps' names):
    /// dot-separated labels of lowercase letters, digits and '-', each starting and ending with a letter or digit.</summary>
    private static bool IsDns1123Subdomain(string name)
    {
        if (name.Length > 253)
        {
            return false;
        }

        foreach (var label in name.Split('.'))
        {
            if (label.Length == 0 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (var c in label)
            {
                if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static JsonObject Probe(string path, int period) => new()
    {
        ["httpGet"] = new JsonObject { ["path"] = path, ["port"] = "meshheal-admin" },
        ["periodSeconds"] = period,
    };

    private static JsonObject Env(string name, string value) => new() { ["name"] = name, ["value"] = value };

    private static JsonArray Array(params string[] items)
    {
        var array = new JsonArray();
        foreach (var item in items)
        {
            array.Add((JsonNode)JsonValue.Create(item));
        }

        return array;
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static JsonObject? OptionalObject(JsonObject parent, string key, string field) => parent[key] switch
    {
        null => null,
        JsonObject value => value,
        _ => throw new InjectionException(field, "not an object; accepted: a map"),
    };

    private static string? Text(JsonObject? parent, string key, string field)
    {
        if (parent?[key] is not { } node)
        {
            return null;
        }

        return node is JsonValue value && value.GetValueKind() == JsonValueKind.String
            ? value.GetValue<string>()
            : throw new InjectionException($"{field}.{key}", "not a string; accepted: a string");
    }
}
