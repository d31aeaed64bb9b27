using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Mesh.Heal.Sidecar.Hosting;
using Mesh.Heal.Sidecar.Identity;
using Mesh.Heal.Sidecar.PolicySync.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.Sidecar.Tests.Identity;

/// <summary>The sidecar's certificate loop on a fake clock, with the test answering its requests as the control plane would
/// (signing each request with a root of its own); the real control plane's answers are in the integration tests.</summary>
public sealed class SidecarIdentityTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 1, 0, 0, TimeSpan.Zero));
    private readonly Channel<Wire.PolicyRequest> _sent = Channel.CreateUnbounded<Wire.PolicyRequest>();
    private readonly CancellationTokenSource _stream = new();
    private readonly ECDsa _rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _root;
    private readonly SidecarIdentity _identity;

    public SidecarIdentityTests()
    {
        var request = new CertificateRequest("CN=test root", _rootKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        _root = request.CreateSelfSigned(_time.GetUtcNow().AddDays(-1), _time.GetUtcNow().AddDays(30));
        _identity = new SidecarIdentity(
            Options.Create(new SidecarOptions { Service = "orders", Identity = { Enabled = true } }), _time, new StreamReconnect(_time, () => 1.0),
            NullLogger<SidecarIdentity>.Instance);
    }

    private Task Run() => _identity.RunAsync((request, cancel) => _sent.Writer.WriteAsync(request, cancel).AsTask(), _stream.Token);

    private async Task<Wire.CertificateRequest> NextRequestAsync()
    {
        using var deadline = new CancellationTokenSource(Wait.DefaultDeadline);
        return (await _sent.Reader.ReadAsync(deadline.Token)).CertificateRequest;
    }

    /// <summary>Signs <paramref name="request"/> as the control plane does: the service's SPIFFE URI, <paramref name="lifetime"/> from a minute back.</summary>
    private Wire.IssuedCertificate Sign(Wire.CertificateRequest request, TimeSpan lifetime, X509Certificate2? root = null)
    {
        var csr = CertificateRequest.LoadSigningRequest(request.Csr.ToByteArray(), HashAlgorithmName.SHA256);
        var leaf = new CertificateRequest(csr.SubjectName, csr.PublicKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri("spiffe://meshheal.local/service/orders"));
        leaf.CertificateExtensions.Add(san.Build(true));
        var now = _time.GetUtcNow();
        using var issued = leaf.Create(root ?? _root, now.AddMinutes(-1), now + lifetime, RandomNumberGenerator.GetBytes(16));
        return new Wire.IssuedCertificate
        {
            CertificateChainPem = issued.ExportCertificatePem(),
            TrustBundlePem = _root.ExportCertificatePem(),
            NotAfter = Timestamp.FromDateTimeOffset(new DateTimeOffset(issued.NotAfter.ToUniversalTime())),
        };
    }

    [Fact]
    public async Task Flow_Issued_RenewedAtTwoThirds_RefusalRetriedAfterBackoff_OldKeptUntilTheNewArrives()
    {
        var changes = 0;
        _identity.Changed += (_, _) => changes++;
        var run = Run();

        _identity.OnAnswer(Sign(await NextRequestAsync(), TimeSpan.FromMinutes(30)));
        var first = await Wait.UntilAsync(() => Task.FromResult(_identity.Current), c => c is not null, "the first certificate is held");

        // 31 min from NotBefore (a minute back): renewal is due 20 min 40 s after NotBefore, 19 min 40 s from now.
        Assert.Equal(_time.GetUtcNow().AddMinutes(-1) + TimeSpan.FromSeconds(31 * 60 * 2 / 3), first!.RenewAt);
        Assert.Equal("spiffe://meshheal.local/service/orders", first.Identity);
        Assert.True(first.Certificate.HasPrivateKey);
        _time.Advance(TimeSpan.FromMinutes(19));
        Assert.False(_sent.Reader.TryRead(out _));
        _time.Advance(TimeSpan.FromMinutes(1));
        var renewal = await NextRequestAsync();

        _identity.OnAnswer(new Wire.IssuedCertificate { Error = "no such luck" });
        await Wait.UntilAsync(() => _identity.LastError is not null, "the refusal is recorded");
        Assert.Equal("the control plane refused the certificate request: no such luck", _identity.LastError);
        Assert.Same(first, _identity.Current);
        Assert.False(_sent.Reader.TryRead(out _));

        // The first backoff wait is 250 ms (random 1.0): the request is asked again once it has passed.
        var retry = await Wait.UntilAsync(
            () =>
            {
                _time.Advance(TimeSpan.FromMilliseconds(250));
                return Task.FromResult(_sent.Reader.TryRead(out var next) ? next.CertificateRequest : null);
            },
            r => r is not null,
            "the request is sent again after the backoff");
        Assert.NotEqual(renewal.Csr, retry!.Csr);

        _identity.OnAnswer(Sign(retry, TimeSpan.FromMinutes(30)));
        var second = await Wait.UntilAsync(() => Task.FromResult(_identity.Current), c => !ReferenceEquals(c, first), "the renewed certificate is held");

        Assert.True(second!.NotAfter > first.NotAfter);
        Assert.Null(_identity.LastError);
        Assert.Equal(2, _identity.Issued);
        Assert.Equal(2, changes);
        await _stream.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    [Fact]
    public async Task RequestRenewal_AsksForANewCertificateAtOnce_LongBeforeTheRenewalTime_KeepingTheCurrentOneMeanwhile()
    {
        var run = Run();
        _identity.OnAnswer(Sign(await NextRequestAsync(), TimeSpan.FromHours(1)));
        var first = await Wait.UntilAsync(() => Task.FromResult(_identity.Current), c => c is not null, "the first certificate is held");
        Assert.False(_sent.Reader.TryRead(out _));

        _identity.RequestRenewal();
        var renewal = await NextRequestAsync();

        Assert.Same(first, _identity.Current);
        _identity.OnAnswer(Sign(renewal, TimeSpan.FromHours(1)));
        var second = await Wait.UntilAsync(() => Task.FromResult(_identity.Current), c => !ReferenceEquals(c, first), "the renewed certificate is held");
        Assert.NotEqual(first!.Certificate.SerialNumber, second!.Certificate.SerialNumber);

        // Back to the renewal time: nothing more is asked for until it comes.
        _time.Advance(TimeSpan.FromMinutes(30));
        Assert.False(_sent.Reader.TryRead(out _));
        await _stream.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    [Fact]
    public async Task Answer_ForAnotherKey_OrFromAnotherRoot_IsNotTaken()
    {
        var run = Run();
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var foreign = new Wire.CertificateRequest { Csr = Google.Protobuf.ByteString.CopyFrom(new CertificateRequest("CN=orders", otherKey, HashAlgorithmName.SHA256).CreateSigningRequest()) };

        await NextRequestAsync();
        _identity.OnAnswer(Sign(foreign, TimeSpan.FromMinutes(30)));
        await Wait.UntilAsync(() => _identity.LastError is not null, "the answer is refused");
        Assert.Equal("the issued certificate is not for the key of the request", _identity.LastError);

        var again = await Wait.UntilAsync(
            () =>
            {
                _time.Advance(TimeSpan.FromMilliseconds(250));
                return Task.FromResult(_sent.Reader.TryRead(out var next) ? next.CertificateRequest : null);
            },
            r => r is not null,
            "the request is sent again");
        using var otherRootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var otherRoot = new CertificateRequest("CN=other root", otherRootKey, HashAlgorithmName.SHA256) { CertificateExtensions = { new X509BasicConstraintsExtension(true, false, 0, true) } }
            .CreateSelfSigned(_time.GetUtcNow().AddDays(-1), _time.GetUtcNow().AddDays(30));
        _identity.OnAnswer(Sign(again!, TimeSpan.FromMinutes(30), otherRoot));
        await Wait.UntilAsync(() => _identity.LastError!.StartsWith("the issued certificate does not chain to its trust bundle", StringComparison.Ordinal), "the foreign chain is refused");

        Assert.Null(_identity.Current);
        await _stream.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    public void Dispose()
    {
        _identity.Dispose();
        _root.Dispose();
        _rootKey.Dispose();
        _stream.Dispose();
    }
}
