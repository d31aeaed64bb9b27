using System.Net;
using System.Security.Cryptography.X509Certificates;
using Mesh.Heal.Hosting;
using Mesh.Heal.Policy;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Hosting.Internal;

/// <summary>The gRPC and HTTP listeners as the validated settings give them, and the certificate of those that are https.</summary>
internal sealed class ControlPlaneListeners
{
    public ControlPlaneListeners(IOptions<ControlPlaneOptions> options, IOptions<TlsOptions> tls)
    {
        // Both parse: ControlPlaneOptionsValidator has accepted them before the options could be read.
        ListenAddress.TryParse(options.Value.GrpcUrl, allowHttps: true, out var grpc, out _);
        ListenAddress.TryParse(options.Value.HttpUrl, allowHttps: true, out var http, out _);
        Grpc = grpc;
        Http = http;
        Certificate = grpc.IsHttps || http.IsHttps ? LoadCertificate(tls.Value) : null;
    }

    public ListenAddress Grpc { get; }

    public ListenAddress Http { get; }

    public X509Certificate2? Certificate { get; }

    /// <summary>Adds both listeners to Kestrel and records them in <paramref name="endpoints"/>.</summary>
    public void Configure(KestrelServerOptions kestrel, ControlPlaneEndpoints endpoints)
    {
        kestrel.AddServerHeader = false;
        kestrel.Listen(new IPEndPoint(Grpc.Address ?? IPAddress.Any, Grpc.Port), listen =>
        {
            listen.Protocols = Grpc.IsHttps ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http2;
            if (Grpc.IsHttps)
            {
                listen.UseHttps(Certificate!);
            }

            endpoints.Grpc = listen;
        });
        kestrel.Listen(new IPEndPoint(Http.Address ?? IPAddress.Any, Http.Port), listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            if (Http.IsHttps)
            {
                listen.UseHttps(Certificate!);
            }

            endpoints.Http = listen;
        });
        endpoints.GrpcHttps = Grpc.IsHttps;
        endpoints.HttpHttps = Http.IsHttps;
    }

    private static X509Certificate2 LoadCertificate(TlsOptions tls)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(tls.CertificatePath!, tls.KeyPath);
        }
        catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
        {
            throw new ControlPlaneConfigurationException([new PolicyError(
                ControlPlaneSections.Tls + ":CertificatePath", $"'{tls.CertificatePath}' could not be loaded with key '{tls.KeyPath ?? "(in the same file)"}': {ex.Message}; accepted: PEM certificate and key files")]);
        }
    }
}
