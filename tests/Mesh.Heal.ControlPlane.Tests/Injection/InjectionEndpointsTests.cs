using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Injection;
using Mesh.Heal.Injection;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Heal.ControlPlane.Tests.Injection;

/// <summary>The admission webhook: the review's patch gives what meshctl inject gives, on a real control plane on 127.0.0.1
/// with authentication on and no token sent (as the API server calls it).</summary>
public sealed class InjectionEndpointsTests : IAsyncLifetime
{
    private const string Pod = """
        {
          "apiVersion": "v1", "kind": "Pod",
          "metadata": { "generateName": "orders-5d8f9-", "namespace": "shop", "labels": { "app.kubernetes.io/name": "orders" } },
          "spec": { "containers": [ { "name": "app", "image": "orders:1", "ports": [ { "name": "http", "containerPort": 8080 } ] } ] }
        }
        """;

    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private string _directory = null!;

    public async Task InitializeAsync()
    {
        _directory = Directory.CreateTempSubdirectory("meshheal-inject-").FullName;
        _app = ControlPlaneHost.Build(
            [
                "--ControlPlane:GrpcUrl=http://127.0.0.1:0", "--ControlPlane:HttpUrl=http://127.0.0.1:0",
                "--ControlPlane:StorePath=" + Path.Combine(_directory, "cp.db"),
                "--ControlPlane:Auth:AdminTokens:0=admin-token-0123456789",
                "--ControlPlane:Healing:Enabled=false",
                "--ControlPlane:Injection:Image=registry.local/meshheal:test",
            ],
            builder => builder.Logging.SetMinimumLevel(LogLevel.Warning));
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = _app.Services.GetRequiredService<ControlPlaneEndpoints>().HttpUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private static JsonObject Review(string obj, string kind = "Pod", string group = "", string uid = "705ab4f5-6393-11e8-b7cc-42010a800002") => JsonNode.Parse($$"""
        {
          "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
          "request": {
            "uid": "{{uid}}", "kind": { "group": "{{group}}", "version": "v1", "kind": "{{kind}}" },
            "resource": { "group": "{{group}}", "version": "v1", "resource": "pods" },
            "namespace": "shop", "operation": "CREATE", "object": {{obj}}
          }
        }
        """)!.AsObject();

    [Fact]
    public async Task Post_PodReview_NoToken_PatchTurnsThePodIntoTheInjectedOne()
    {
        using var response = await _http.PostAsync(InjectionEndpoints.Path, new StringContent(Review(Pod).ToJsonString(), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("admission.k8s.io/v1", (string?)answer["apiVersion"]);
        Assert.Equal("AdmissionReview", (string?)answer["kind"]);
        var result = answer["response"]!;
        Assert.Equal("705ab4f5-6393-11e8-b7cc-42010a800002", (string?)result["uid"]);
        Assert.True((bool)result["allowed"]!);
        Assert.Equal("JSONPatch", (string?)result["patchType"]);
        var patch = JsonNode.Parse(Convert.FromBase64String((string)result["patch"]!))!.AsArray();

        // What meshctl inject does to the same pod (the same injector, with the control plane's options).
        var expected = JsonNode.Parse(Pod)!.AsObject();
        Assert.Equal(InjectionOutcome.Injected, PodInjector.Inject(expected, "orders-5d8f9", new InjectionOptions { Image = "registry.local/meshheal:test" }));
        Assert.True(JsonNode.DeepEquals(expected, JsonPatch.Apply(JsonNode.Parse(Pod)!, patch)), patch.ToJsonString());
        Assert.Contains("registry.local/meshheal:test", expected.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_PodWithConfigAnnotationAndVolumes_PatchGivesTheInjectedPod_WithTheConfigMapMounted()
    {
        const string Annotated = """
            {
              "apiVersion": "v1", "kind": "Pod",
              "metadata": { "generateName": "orders-5d8f9-", "namespace": "shop", "labels": { "app": "orders" },
                            "annotations": { "meshheal.io/config": "orders-sidecar", "prometheus.io/scrape": "false" } },
              "spec": {
                "containers": [ { "name": "app", "image": "orders:1", "ports": [ { "containerPort": 8080 } ], "volumeMounts": [ { "name": "data", "mountPath": "/data" } ] } ],
                "volumes": [ { "name": "data", "emptyDir": {} } ]
              }
            }
            """;

        using var response = await _http.PostAsync(InjectionEndpoints.Path, new StringContent(Review(Annotated).ToJsonString(), Encoding.UTF8, "application/json"));

        var patch = JsonNode.Parse(Convert.FromBase64String((string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["response"]!["patch"]!))!.AsArray();
        var expected = JsonNode.Parse(Annotated)!.AsObject();
        PodInjector.Inject(expected, "orders-5d8f9", new InjectionOptions { Image = "registry.local/meshheal:test" });
        var patched = JsonPatch.Apply(JsonNode.Parse(Annotated)!, patch);
        Assert.True(JsonNode.DeepEquals(expected, patched), patch.ToJsonString());
        Assert.Equal(["data", "meshheal-sidecar-state", "meshheal-sidecar-config"], patched["spec"]!["volumes"]!.AsArray().Select(v => (string)v!["name"]!));
        Assert.Equal("orders-sidecar", (string?)patched["spec"]!["volumes"]![2]!["configMap"]!["name"]);
        Assert.Equal("false", (string?)patched["metadata"]!["annotations"]!["prometheus.io/scrape"]);
    }

    [Theory]
    [InlineData("""{"metadata":{"name":"x"},"data":{}}""", "ConfigMap", "")]
    [InlineData("""{"metadata":{"name":"orders"},"spec":{}}""", "Deployment", "apps")]
    public void Review_NotAPod_AllowedWithNoPatch(string obj, string kind, string group)
    {
        var response = InjectionEndpoints.Review(Review(obj, kind, group), new InjectionOptions())["response"]!;

        Assert.True((bool)response["allowed"]!);
        Assert.Null(response["patch"]);
        Assert.Null(response["patchType"]);
    }

    [Fact]
    public void Review_InjectedOrDisabledPod_AllowedWithNoPatch()
    {
        var injected = JsonNode.Parse(Pod)!.AsObject();
        PodInjector.Inject(injected, null, new InjectionOptions());
        var disabled = JsonNode.Parse(Pod)!.AsObject();
        disabled["metadata"]!["annotations"] = new JsonObject { ["meshheal.io/inject"] = "disabled" };

        foreach (var pod in new[] { injected, disabled })
        {
            var response = InjectionEndpoints.Review(Review(pod.ToJsonString()), new InjectionOptions())["response"]!;
            Assert.True((bool)response["allowed"]!);
            Assert.Null(response["patch"]);
        }
    }

    [Fact]
    public void Review_PodThatCannotBeInjected_AllowedWithAWarningNamingTheField()
    {
        var response = InjectionEndpoints.Review(Review("""{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"app"}]}}"""), new InjectionOptions())["response"]!;

        Assert.True((bool)response["allowed"]!);
        Assert.Null(response["patch"]);
        Assert.StartsWith("meshheal: the pod was not injected: request.object.spec.containers[*].ports: ", (string?)response["warnings"]![0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{}}""", "apiVersion: ")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}""", "request: ")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"kind":{"kind":"Pod"}}}""", "request.uid: ")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u"}}""", "request.kind: ")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"","kind":"Pod"},"operation":"CREATE"}}""", "request.object: ")]
    [InlineData("[1]", "(body): ")]
    [InlineData("{not json", "(body): not JSON")]
    public async Task Post_Malformed_400NamingTheField(string body, string message)
    {
        using var response = await _http.PostAsync(InjectionEndpoints.Path, new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var answer = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.StartsWith(message, (string?)answer["message"], StringComparison.Ordinal);
    }

    [Fact]
    public void Build_BadInjectionSettings_AreRefusedNamingTheSetting()
    {
        var ex = Assert.Throws<ControlPlaneConfigurationException>(() => ControlPlaneHost.Build(
        [
            "--ControlPlane:GrpcUrl=http://127.0.0.1:0", "--ControlPlane:HttpUrl=http://127.0.0.1:0",
            "--ControlPlane:StorePath=" + Path.Combine(_directory, "bad.db"),
            "--ControlPlane:Injection:ControlPlaneUrl=ftp://x", "--ControlPlane:Injection:Image=a b",
        ]));

        Assert.Contains("ControlPlane:Injection:ControlPlaneUrl: 'ftp://x' is not accepted", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ControlPlane:Injection:Image: 'a b' is not accepted", ex.Message, StringComparison.Ordinal);
    }
}
