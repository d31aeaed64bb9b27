using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Injection.Internal;
using Mesh.Heal.Injection;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Injection;

/// <summary>The mutating admission webhook: <c>POST /v1/inject</c>, AdmissionReview v1 in and out, the Pod's patch made by
/// the same <see cref="PodInjector"/> as <c>meshctl inject</c>.</summary>
/// <remarks>
/// <para>The Kubernetes API server calls it over TLS with no bearer token, so this one endpoint is open: it only answers
/// with a patch of the object it was given, reads and writes nothing else. A Pod gets
/// <c>allowed: true</c>, <c>patchType: JSONPatch</c> and the base64 RFC 6902 patch that injects it; any other kind, a
/// Pod already injected or disabled, and a Pod that cannot be injected (the reason in <c>warnings</c>) are allowed with
/// no patch, so the webhook never blocks a workload. A body that is not an AdmissionReview v1 gets 400 naming the field.</para>
/// <para>What is injected (image, control plane URL, token Secret) is <c>ControlPlane:Injection</c> (<see cref="InjectionOptions"/>).</para>
/// </remarks>
internal static class InjectionEndpoints
{
    /// <summary>The webhook's path, as deploy/kubernetes/injector-webhook.yaml names it.</summary>
    public const string Path = "/v1/inject";

    private const string ApiVersion = "admission.k8s.io/v1";

    /// <summary>Maps the webhook.</summary>
    public static IEndpointRouteBuilder MapMeshHealInjection(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path, HandleAsync);
        return app;
    }

    /// <summary>Registers the webhook's options, validated at start.</summary>
    public static IServiceCollection AddMeshHealInjection(this IServiceCollection services)
    {
        services.AddMeshHealOptions<InjectionOptions, InjectionOptionsValidator>();
        return services;
    }

    /// <summary>The AdmissionReview answering <paramref name="review"/>.</summary>
    /// <exception cref="InjectionException">The review is malformed; the field is named from the review's root (<c>request.uid</c>).</exception>
    public static JsonObject Review(JsonNode? review, InjectionOptions options)
    {
        if (review is not JsonObject root)
        {
            throw new InjectionException("(body)", "not a JSON object; accepted: an AdmissionReview");
        }

        if (Text(root, "apiVersion") != ApiVersion || Text(root, "kind") != "AdmissionReview")
        {
            throw new InjectionException("apiVersion", $"'{Text(root, "apiVersion")}' kind '{Text(root, "kind")}' is not accepted; accepted: apiVersion {ApiVersion}, kind AdmissionReview");
        }

        var request = root["request"] as JsonObject ?? throw new InjectionException("request", "missing or not an object");
        var uid = Text(request, "uid") is { Length: > 0 } u ? u : throw new InjectionException("request.uid", "missing or not a string");
        var response = new JsonObject { ["uid"] = uid, ["allowed"] = true };
        var answer = new JsonObject { ["apiVersion"] = ApiVersion, ["kind"] = "AdmissionReview", ["response"] = response };

        var kind = request["kind"] as JsonObject ?? throw new InjectionException("request.kind", "missing or not an object");
        if (Text(kind, "kind") != "Pod" || Text(kind, "group") is { Length: > 0 } || Text(request, "operation") is "DELETE" or "CONNECT")
        {
            return answer;
        }

        var pod = request["object"] as JsonObject ?? throw new InjectionException("request.object", "missing or not an object; accepted: the Pod");
        var injected = pod.DeepClone().AsObject();
        var metadata = pod["metadata"] as JsonObject;
        try
        {
            var name = metadata is null ? null : Text(metadata, "name") is { Length: > 0 } n ? n : Text(metadata, "generateName")?.TrimEnd('-');
            if (PodInjector.Inject(injected, name, options) != InjectionOutcome.Injected)
            {
                return answer;
            }
        }
        catch (InjectionException ex)
        {
            response["warnings"] = new JsonArray((JsonNode)JsonValue.Create($"meshheal: the pod was not injected: request.object.{ex.Message}"));
            return answer;
        }

        response["patchType"] = "JSONPatch";
        response["patch"] = Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(JsonPatchBuilder.Diff(pod, injected), JsonNodeContext.Default.JsonArray));
        return answer;
    }

    private static async Task HandleAsync(HttpContext context, IOptions<InjectionOptions> options)
    {
        JsonObject answer;
        try
        {
            JsonNode? review;
            try
            {
                review = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            }
            catch (JsonException ex)
            {
                throw new InjectionException("(body)", $"not JSON: {ex.Message}");
            }

            answer = Review(review, options.Value);
        }
        catch (InjectionException ex)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsJsonAsync(new JsonObject { ["message"] = ex.Message }, JsonNodeContext.Default.JsonObject, cancellationToken: context.RequestAborted);
            return;
        }

        await context.Response.WriteAsJsonAsync(answer, JsonNodeContext.Default.JsonObject, cancellationToken: context.RequestAborted);
    }

    private static string? Text(JsonObject parent, string key) =>
        parent[key] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
