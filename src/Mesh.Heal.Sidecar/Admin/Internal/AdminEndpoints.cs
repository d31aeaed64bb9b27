using System.Text.Json;
using Mesh.Heal.Sidecar.Configuration;
using Mesh.Heal.Policy;
using Mesh.Heal.Sidecar.Hosting;
using Mesh.Heal.Sidecar.Identity;
using Mesh.Heal.Sidecar.PolicySync;
using Mesh.Heal.Sidecar.Resilience.Internal;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy;

namespace Mesh.Heal.Sidecar.Admin.Internal;

/// <summary>The admin listener's endpoints (besides <c>/metrics</c>, which the OpenTelemetry exporter serves).</summary>
internal static class AdminEndpoints
{
    public const string Listing = "admin endpoints: /healthz, /readyz, /metrics, /admin/state, POST /admin/identity/renew\n";

    /// <summary>Asks for a new identity certificate now: 202, or 409 when the identity is off.</summary>
    public const string RenewPath = "/admin/identity/renew";

    public static Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Path.Value == RenewPath)
        {
            return Renew(context);
        }

        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "GET, HEAD";
            return Task.CompletedTask;
        }

        switch (request.Path.Value)
        {
            case "/healthz":
                return Text(context, StatusCodes.Status200OK, "ok\n");
            case "/readyz":
                var lifetime = context.RequestServices.GetRequiredService<IHostApplicationLifetime>();
                var ready = lifetime.ApplicationStarted.IsCancellationRequested && !lifetime.ApplicationStopping.IsCancellationRequested;
                if (ready && context.RequestServices.GetRequiredService<SidecarEndpoints>().InboundTls
                    && context.RequestServices.GetRequiredService<SidecarIdentity>().Current is null)
                {
                    // Every TLS handshake on the inbound listener fails until then: callers would be refused.
                    return Text(context, StatusCodes.Status503ServiceUnavailable, "not ready: no identity certificate yet\n");
                }

                return ready ? Text(context, StatusCodes.Status200OK, "ready\n") : Text(context, StatusCodes.Status503ServiceUnavailable, "not ready\n");
            case "/admin/state":
                return StateAsync(context);
            default:
                return Text(context, StatusCodes.Status404NotFound, Listing);
        }
    }

    private static Task Renew(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "POST";
            return Task.CompletedTask;
        }

        var identity = context.RequestServices.GetRequiredService<SidecarIdentity>();
        if (!identity.Enabled)
        {
            return Text(context, StatusCodes.Status409Conflict, "no identity to renew: Sidecar:Identity:Enabled is false\n");
        }

        identity.RequestRenewal();
        return Text(context, StatusCodes.Status202Accepted, "renewal requested; /admin/state shows the new certificate's serial when it arrives\n");
    }

    private static Task Text(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(body);
    }

    private static void WriteIdentity(Utf8JsonWriter json, SidecarIdentity identity)
    {
        var current = identity.Current;
        json.WriteStartObject("identity");
        json.WriteBoolean("enabled", identity.Enabled);
        json.WriteString("identity", current?.Identity);
        if (current is null)
        {
            json.WriteNull("serial");
            json.WriteNull("notBefore");
            json.WriteNull("notAfter");
            json.WriteNull("renewAt");
        }
        else
        {
            json.WriteString("serial", current.Certificate.SerialNumber);
            json.WriteString("notBefore", new DateTimeOffset(current.Certificate.NotBefore.ToUniversalTime()));
            json.WriteString("notAfter", current.NotAfter);
            json.WriteString("renewAt", current.RenewAt);
        }

        json.WriteNumber("issued", identity.Issued);
        json.WriteString("lastError", identity.LastError);
        json.WriteEndObject();
    }

    private static async Task StateAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var registry = services.GetRequiredService<ClusterResilienceRegistry>();
        var lookup = services.GetRequiredService<IProxyStateLookup>();
        var status = services.GetRequiredService<ConfigReloadStatus>();
        var options = services.GetRequiredService<IOptions<SidecarOptions>>().Value;
        var controlPlane = services.GetRequiredService<ControlPlaneStatus>();

        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("service", options.Service);
        json.WriteString("instance", options.Instance);
        json.WriteNumber("policyVersion", registry.Policy.Version);
        json.WriteString("policySource", registry.Policy.Source.ToString());
        json.WriteString("lastPolicyError", status.LastRejection);
        json.WriteNumber("policyRejections", status.Rejections);
        json.WriteStartObject("controlPlane");
        json.WriteBoolean("configured", controlPlane.Configured);
        json.WriteBoolean("connected", controlPlane.Connected);
        json.WriteNumber("connects", controlPlane.Connects);
        json.WriteString("address", controlPlane.Address);
        json.WriteString("endpoint", controlPlane.Endpoint);
        json.WriteString("telemetryAddress", controlPlane.TelemetryAddress);
        json.WriteString("lastError", controlPlane.LastError);
        json.WriteNumber("lastAckVersion", controlPlane.LastAckVersion);
        json.WriteNumber("lastNackVersion", controlPlane.LastNackVersion);
        json.WriteString("lastNackReason", controlPlane.LastNackReason);
        json.WriteEndObject();
        WriteIdentity(json, services.GetRequiredService<SidecarIdentity>());
        json.WriteStartObject("clusters");
        foreach (var clusterState in lookup.GetClusters().OrderBy(c => c.ClusterId, StringComparer.Ordinal))
        {
            var cluster = registry.Get(clusterState.ClusterId);
            json.WriteStartObject(cluster.ClusterId);
            json.WriteString("health", cluster.Health.ToString());
            json.WriteString("breaker", cluster.BreakerState.ToString());
            json.WriteNumber("primaryShare", Math.Round(cluster.Breaker.PrimaryShare, 3));
            json.WriteNumber("requests", cluster.Requests);
            json.WriteNumber("failures", cluster.AttemptFailures);
            json.WriteNumber("fallbacks", cluster.Fallbacks);
            json.WriteNumber("rejected", cluster.Rejected);
            json.WriteNumber("retries", cluster.Retries);
            json.WriteNumber("callerFailures", cluster.CallerFailures);
            json.WriteNumber("callerErrors", cluster.CallerErrors);
            json.WriteString("fallback", cluster.Policy.Fallback?.HeaderValue);
            json.WriteString("override", BreakerOverrides.ToName(cluster.Policy.Override));
            json.WriteStartObject("destinations");
            foreach (var destination in clusterState.DestinationsState.AllDestinations)
            {
                json.WriteStartObject(destination.DestinationId);
                json.WriteString("address", destination.Model.Config.Address);
                json.WriteString("passiveHealth", destination.Health.Passive.ToString());
                json.WriteString("activeHealth", destination.Health.Active.ToString());
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }
}
