using System.Text.Json.Nodes;
using Mesh.Heal.Injection;

namespace Mesh.Heal.Core.Tests.Injection;

public class PodInjectorTests
{
    private static JsonObject Template(string annotations = "{}", string labels = """{"app.kubernetes.io/name":"orders"}""") => JsonNode.Parse($$"""
        {
          "metadata": { "labels": {{labels}}, "annotations": {{annotations}} },
          "spec": {
            "containers": [
              { "name": "app", "image": "orders:1", "ports": [ { "containerPort": 8080 }, { "containerPort": 9090, "protocol": "TCP" }, { "containerPort": 53, "protocol": "UDP" } ] }
            ]
          }
        }
        """)!.AsObject();

    [Fact]
    public void Inject_PlainTemplate_AddsInitAndSidecarContainers_WithTheContractsSettings()
    {
        var template = Template();

        Assert.Equal(InjectionOutcome.Injected, PodInjector.Inject(template, "orders-deployment", new InjectionOptions()));

        Assert.Equal(PodInjector.Version, (string?)template["metadata"]!["annotations"]![PodInjector.InjectedAnnotation]);
        var init = template["spec"]!["initContainers"]!.AsArray().Single()!;
        Assert.Equal("meshheal-init", (string?)init["name"]);
        Assert.Equal("ghcr.io/mesh-heal/meshheal:0.1.0", (string?)init["image"]);
        Assert.Equal(
            ["meshctl", "init-network", "--proxy-uid", "1337", "--outbound-port", "15001", "--inbound-port", "15006", "--service-ports", "8080,9090", "--exclude-ports", "15000,15010,15080", "--ipv6", "off"],
            init["args"]!.AsArray().Select(a => (string)a!));
        Assert.Equal(0, (int)init["securityContext"]!["runAsUser"]!);
        Assert.False((bool)init["securityContext"]!["runAsNonRoot"]!);
        Assert.Equal(["NET_ADMIN", "NET_RAW"], init["securityContext"]!["capabilities"]!["add"]!.AsArray().Select(a => (string)a!));
        Assert.Equal(["ALL"], init["securityContext"]!["capabilities"]!["drop"]!.AsArray().Select(a => (string)a!));

        var containers = template["spec"]!["containers"]!.AsArray();
        Assert.Equal(["app", "meshheal-sidecar"], containers.Select(c => (string)c!["name"]!));
        var sidecar = containers[1]!;
        Assert.Equal(1337, (int)sidecar["securityContext"]!["runAsUser"]!);
        var env = sidecar["env"]!.AsArray().ToDictionary(e => (string)e!["name"]!, e => e!["value"] is { } v ? (string?)v : e["valueFrom"]!.ToJsonString());
        Assert.Equal("orders", env["Sidecar__Service"]);
        Assert.Equal("""{"fieldRef":{"fieldPath":"metadata.name"}}""", env["Sidecar__Instance"]);
        Assert.Equal("http://127.0.0.1:15001", env["Sidecar__ListenUrl"]);
        Assert.Equal("http://0.0.0.0:15000", env["Sidecar__AdminUrl"]);
        Assert.Equal("http://meshheal-control-plane.meshheal-system.svc:15010", env["Sidecar__ControlPlaneUrl"]);
        Assert.Equal("""{"secretKeyRef":{"name":"meshheal-orders-token","key":"token"}}""", env["Sidecar__ControlPlaneToken"]);
        Assert.Equal("true", env["Sidecar__Interception__Enabled"]);
        Assert.Equal("https://0.0.0.0:15006", env["Sidecar__InboundListenUrl"]);
        Assert.Equal("http://127.0.0.1:8080", env["Sidecar__InboundTarget"]);
        Assert.Equal("true", env["Sidecar__Identity__Enabled"]);
        var ports = sidecar["ports"]!.AsArray().ToDictionary(p => (string)p!["name"]!, p => (int)p!["containerPort"]!);
        Assert.Equal(15000, ports[(string)sidecar["readinessProbe"]!["httpGet"]!["port"]!]);
        Assert.Equal("/readyz", (string?)sidecar["readinessProbe"]!["httpGet"]!["path"]);
        Assert.Equal("/healthz", (string?)sidecar["livenessProbe"]!["httpGet"]!["path"]);
        Assert.Equal(["sidecar"], sidecar["args"]!.AsArray().Select(a => (string)a!));
        var mount = sidecar["volumeMounts"]!.AsArray().Single()!;
        var volume = template["spec"]!["volumes"]!.AsArray().Single()!;
        Assert.Equal((string?)volume["name"], (string?)mount["name"]);
        Assert.NotNull(volume["emptyDir"]);
        Assert.Equal((string?)mount["mountPath"], env["Sidecar__StateDirectory"]);
    }

    [Fact]
    public void Inject_Twice_SecondLeavesTheTemplateAsItIs()
    {
        var template = Template();
        PodInjector.Inject(template, null, new InjectionOptions());
        var once = template.ToJsonString();

        Assert.Equal(InjectionOutcome.AlreadyInjected, PodInjector.Inject(template, null, new InjectionOptions()));
        Assert.Equal(once, template.ToJsonString());
    }

    [Fact]
    public void Inject_SidecarContainerWithoutAnnotation_IsAlreadyInjected()
    {
        var template = Template();
        template["spec"]!["containers"]!.AsArray().Add((JsonNode)new JsonObject { ["name"] = "meshheal-sidecar" });
        var before = template.ToJsonString();

        Assert.Equal(InjectionOutcome.AlreadyInjected, PodInjector.Inject(template, null, new InjectionOptions()));
        Assert.Equal(before, template.ToJsonString());
    }

    [Theory]
    [InlineData("""{"meshheal.io/inject":"disabled"}""", """{"app":"orders"}""")]
    [InlineData("{}", """{"app":"orders","meshheal.io/inject":"disabled"}""")]
    public void Inject_Disabled_LeavesTheTemplateAsItIs(string annotations, string labels)
    {
        var template = Template(annotations, labels);
        var before = template.ToJsonString();

        Assert.Equal(InjectionOutcome.Disabled, PodInjector.Inject(template, null, new InjectionOptions()));
        Assert.Equal(before, template.ToJsonString());
    }

    [Fact]
    public void Inject_OnlyAnnotated_InjectsEnabledTemplatesOnly()
    {
        var options = new InjectionOptions { OnlyAnnotated = true };

        Assert.Equal(InjectionOutcome.NotAnnotated, PodInjector.Inject(Template(), null, options));
        Assert.Equal(InjectionOutcome.Injected, PodInjector.Inject(Template("""{"meshheal.io/inject":"enabled"}"""), null, options));
    }

    [Fact]
    public void Inject_Options_NameTheImageControlPlaneAndTokenSecret()
    {
        var template = Template(labels: "{}", annotations: """{"meshheal.io/service":"billing"}""");
        var options = new InjectionOptions { Image = "registry.local/meshheal:dev", ControlPlaneUrl = "https://cp.example:15010", TokenSecretPattern = "tokens-{service}" };

        PodInjector.Inject(template, "ignored", options);

        var sidecar = template["spec"]!["containers"]![1]!;
        Assert.Equal("registry.local/meshheal:dev", (string?)sidecar["image"]);
        Assert.Equal("registry.local/meshheal:dev", (string?)template["spec"]!["initContainers"]![0]!["image"]);
        var json = sidecar["env"]!.ToJsonString();
        Assert.Contains("\"value\":\"billing\"", json, StringComparison.Ordinal);
        Assert.Contains("https://cp.example:15010", json, StringComparison.Ordinal);
        Assert.Contains("\"name\":\"tokens-billing\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Inject_NoLabels_UsesTheWorkloadsName_AndKeepsExistingInitContainersFirst()
    {
        var template = Template(labels: "{}");
        template["spec"]!["initContainers"] = JsonNode.Parse("""[{"name":"migrate"}]""");

        PodInjector.Inject(template, "payments", new InjectionOptions());

        Assert.Equal(["migrate", "meshheal-init"], template["spec"]!["initContainers"]!.AsArray().Select(c => (string)c!["name"]!));
        Assert.Contains("\"value\":\"payments\"", template["spec"]!["containers"]![1]!["env"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"app"}]}}""", "spec.containers[*].ports")]
    [InlineData("""{"metadata":{"labels":{"app":"a"}},"spec":{"containers":{}}}""", "spec.containers")]
    [InlineData("""{"metadata":{"labels":{"app":"a"}}}""", "spec")]
    [InlineData("""{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"app","ports":[{"containerPort":"http"}]}]}}""", "spec.containers[0].ports[0].containerPort")]
    [InlineData("""{"metadata":{"labels":{"app":7}},"spec":{"containers":[]}}""", "metadata.labels.app")]
    [InlineData("""{"spec":{"containers":[{"name":"app","ports":[{"containerPort":80}]}]}}""", "metadata.labels")]
    public void Inject_BadTemplate_NamesTheField(string json, string field)
    {
        var ex = Assert.Throws<InjectionException>(() => PodInjector.Inject(JsonNode.Parse(json)!.AsObject(), null, new InjectionOptions()));

        Assert.Equal(field, ex.Field);
        Assert.StartsWith(field + ": ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inject_ConfigAnnotation_MountsTheConfigMapsSidecarJson_AndRunsWithConfig()
    {
        var template = Template(annotations: """{"meshheal.io/config":"orders-sidecar"}""");

        Assert.Equal(InjectionOutcome.Injected, PodInjector.Inject(template, null, new InjectionOptions()));

        var sidecar = template["spec"]!["containers"]![1]!;
        Assert.Equal(["sidecar", "--config", "/etc/meshheal/sidecar.json"], sidecar["args"]!.AsArray().Select(a => (string)a!));
        var mount = sidecar["volumeMounts"]!.AsArray().Single(m => (string?)m!["mountPath"] == "/etc/meshheal")!;
        Assert.True((bool)mount["readOnly"]!);
        var volume = template["spec"]!["volumes"]!.AsArray().Single(v => (string?)v!["name"] == (string?)mount["name"])!;
        Assert.Equal("orders-sidecar", (string?)volume["configMap"]!["name"]);
        var item = volume["configMap"]!["items"]!.AsArray().Single()!;
        // The key sidecar.json lands at mountPath/path: the file --config names.
        Assert.Equal("/etc/meshheal/sidecar.json", (string?)mount["mountPath"] + "/" + (string?)item["path"]);
        Assert.Equal("sidecar.json", (string?)item["key"]);
        Assert.Equal(2, template["spec"]!["volumes"]!.AsArray().Count);
    }

    [Fact]
    public void Inject_ConfigAnnotation_Twice_SecondLeavesTheTemplateAsItIs()
    {
        var template = Template(annotations: """{"meshheal.io/config":"orders-sidecar"}""");
        PodInjector.Inject(template, null, new InjectionOptions());
        var once = template.ToJsonString();

        Assert.Equal(InjectionOutcome.AlreadyInjected, PodInjector.Inject(template, null, new InjectionOptions()));
        Assert.Equal(once, template.ToJsonString());
    }

    [Theory]
    [InlineData("Orders-Sidecar")]
    [InlineData("orders_sidecar")]
    [InlineData("-orders")]
    [InlineData("orders.")]
    [InlineData("orders..sidecar")]
    [InlineData("orders.-sidecar")]
    [InlineData("")]
    public void Inject_ConfigAnnotationNotAConfigMapName_NamesTheAnnotation_AndChangesNothing(string name)
    {
        var template = Template(annotations: new JsonObject { ["meshheal.io/config"] = name }.ToJsonString());
        var before = template.ToJsonString();

        var ex = Assert.Throws<InjectionException>(() => PodInjector.Inject(template, null, new InjectionOptions()));

        Assert.Equal("metadata.annotations.meshheal.io/config", ex.Field);
        Assert.Equal($"'{name}' is not a ConfigMap name; accepted: a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters)", ex.Reason);
        Assert.Equal(before, template.ToJsonString());
    }

    [Theory]
    [InlineData("orders-sidecar")]
    [InlineData("orders.v2.sidecar-config")]
    [InlineData("0")]
    public void Inject_ConfigAnnotationDns1123Name_IsAccepted(string name)
    {
        var template = Template(annotations: new JsonObject { ["meshheal.io/config"] = name }.ToJsonString());

        Assert.Equal(InjectionOutcome.Injected, PodInjector.Inject(template, null, new InjectionOptions()));
        Assert.Contains(template["spec"]!["volumes"]!.AsArray(), v => (string?)v!["configMap"]?["name"] == name);
    }

    [Fact]
    public void Inject_NoPrometheusAnnotations_AnnotatesTheSidecarsMetrics_OnTheAdminPort()
    {
        var template = Template();

        PodInjector.Inject(template, null, new InjectionOptions());

        var annotations = template["metadata"]!["annotations"]!;
        var sidecar = template["spec"]!["containers"]![1]!;
        var admin = sidecar["ports"]!.AsArray().Single(p => (string?)p!["name"] == "meshheal-admin")!;
        Assert.Equal("true", (string?)annotations["prometheus.io/scrape"]);
        Assert.Equal(((int)admin["containerPort"]!).ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)annotations["prometheus.io/port"]);
        Assert.Equal("/metrics", (string?)annotations["prometheus.io/path"]);
    }

    [Fact]
    public void Inject_WorkloadsOwnPrometheusAnnotations_AreKept()
    {
        var template = Template(annotations: """{"prometheus.io/scrape":"true","prometheus.io/port":"9090"}""");

        PodInjector.Inject(template, null, new InjectionOptions());

        var annotations = template["metadata"]!["annotations"]!;
        Assert.Equal("9090", (string?)annotations["prometheus.io/port"]);
        Assert.Null(annotations["prometheus.io/path"]);
    }
}
