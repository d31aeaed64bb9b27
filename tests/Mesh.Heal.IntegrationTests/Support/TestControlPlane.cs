using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.IntegrationTests.Support;

/// <summary>A real control plane on 127.0.0.1 (ports chosen by the OS), with its store in a directory the test owns.</summary>
internal sealed class TestControlPlane : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly GrpcChannel _channel;
    private readonly string[] _args;
    private readonly Action<WebApplicationBuilder>? _configure;
    private bool _stopped;

    private TestControlPlane(WebApplication app, string directory, string[] args, Action<WebApplicationBuilder>? configure)
    {
        _app = app;
        _args = args;
        _configure = configure;
        Directory = directory;
        var endpoints = app.Services.GetRequiredService<ControlPlaneEndpoints>();
        GrpcUri = endpoints.GrpcUri;
        HttpUri = endpoints.HttpUri;
        Http = new HttpClient { BaseAddress = HttpUri, Timeout = TimeSpan.FromSeconds(30) };
        _channel = GrpcChannel.ForAddress(GrpcUri);
        Control = new Wire.MeshControl.MeshControlClient(_channel);
    }

    public string Directory { get; }

    public Uri GrpcUri { get; }

    public Uri HttpUri { get; }

    public HttpClient Http { get; }

    public Wire.MeshControl.MeshControlClient Control { get; }

    public IServiceProvider Services => _app.Services;

    public MeshStore Store => _app.Services.GetRequiredService<MeshStore>();

    public static Task<TestControlPlane> StartAsync(params string[] args) =>
        StartAsync(System.IO.Directory.CreateTempSubdirectory("meshheal-cp-").FullName, 0, 0, args, configure: null);

    /// <summary>Starts a control plane whose builder <paramref name="configure"/> adds to (a fake clock).</summary>
    public static Task<TestControlPlane> StartAsync(Action<WebApplicationBuilder> configure, params string[] args) =>
        StartAsync(System.IO.Directory.CreateTempSubdirectory("meshheal-cp-").FullName, 0, 0, args, configure);

    /// <summary>Starts a control plane on the same ports and the same store as this one (after <see cref="StopAsync"/>).</summary>
    public Task<TestControlPlane> RestartAsync() => StartAsync(Directory, GrpcUri.Port, HttpUri.Port, _args, _configure);

    /// <summary>Stops the host: every stream to it ends, as when the process goes away.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }

    public static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };

    /// <summary>Opens a raw policy stream as <paramref name="service"/>/<paramref name="instance"/> (token null: none) and sends the identity.</summary>
    public async Task<AsyncDuplexStreamingCall<Wire.PolicyRequest, Wire.PolicySnapshot>> OpenPolicyStreamAsync(string? token, string service, string instance)
    {
        var call = new Wire.PolicyDiscovery.PolicyDiscoveryClient(_channel).Stream(token is null ? null : Bearer(token));
        await call.RequestStream.WriteAsync(new Wire.PolicyRequest { Identity = new Wire.SidecarIdentity { Service = service, Instance = instance } });
        return call;
    }

    /// <summary>PUTs a YAML policy document through the HTTP/JSON API and returns the stored version.</summary>
    public async Task<long> PutPolicyAsync(string service, string yaml, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/v1/policies/{service}") { Content = new StringContent(yaml, System.Text.Encoding.UTF8, "application/yaml") };
        if (token is not null)
        {
            request.Headers.Authorization = new("Bearer", token);
        }

        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"PUT /v1/policies/{service}: {(int)response.StatusCode} {body}");
        return System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("version").GetInt64();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        _channel.Dispose();
        await StopAsync();
    }

    private static async Task<TestControlPlane> StartAsync(string directory, int grpcPort, int httpPort, string[] args, Action<WebApplicationBuilder>? configure)
    {
        var app = ControlPlaneHost.Build(
            [
                $"--ControlPlane:GrpcUrl=http://127.0.0.1:{grpcPort}", $"--ControlPlane:HttpUrl=http://127.0.0.1:{httpPort}",
                "--ControlPlane:StorePath=" + Path.Combine(directory, "controlplane.db"), .. args,
            ],
            builder =>
            {
                builder.Logging.SetMinimumLevel(LogLevel.Warning);
                configure?.Invoke(builder);
            });
        await app.StartAsync();
        return new TestControlPlane(app, directory, args, configure);
    }
}
