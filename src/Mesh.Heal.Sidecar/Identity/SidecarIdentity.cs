using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Mesh.Heal.Sidecar.Hosting;
using Mesh.Heal.Sidecar.PolicySync.Internal;
using Microsoft.Extensions.Options;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.Sidecar.Identity;

/// <summary>This sidecar's certificate for its service identity and the trust bundle to check peers with, issued by the
/// control plane's CA over the policy stream and renewed before it expires.</summary>
/// <remarks>
/// <para>
/// With <see cref="SidecarIdentityOptions.Enabled"/>, each accepted policy stream runs <see cref="RunAsync"/>: when there is no
/// certificate, or at 2/3 of the current one's lifetime (NotBefore to NotAfter, on the <see cref="TimeProvider"/>), it makes a
/// new ECDSA P-256 key, sends a PKCS#10 request, and takes the answer the stream hands to <see cref="OnAnswer"/>. The key
/// never leaves the process. An answer is accepted only if its certificate is for the pending key and chains to its bundle;
/// then <see cref="Current"/> is replaced at once (so TLS picks the new one on the next handshake) and <see cref="Changed"/>
/// is raised. Until then the current certificate stays in use. A refusal, a bad answer or none within
/// <see cref="AnswerTimeout"/> is retried with the control-plane streams' backoff (<see cref="StreamReconnect.Delay"/>).
/// </para>
/// </remarks>
internal sealed partial class SidecarIdentity : IDisposable
{
    /// <summary>How long to wait for the answer to a certificate request before asking again.</summary>
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);

    private readonly SidecarOptions _options;
    private readonly TimeProvider _time;
    private readonly StreamReconnect _backoff;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private Pending? _pending;
    private volatile IssuedIdentity? _current;
    private volatile string? _lastError;
    private volatile bool _renewRequested;
    private volatile TaskCompletionSource _renew = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _issued;

    public SidecarIdentity(IOptions<SidecarOptions> options, TimeProvider time, StreamReconnect backoff, ILogger<SidecarIdentity> logger)
    {
        _options = options.Value;
        _time = time;
        _backoff = backoff;
        _logger = logger;
    }

    /// <summary>Raised after <see cref="Current"/> changed to a newly issued certificate.</summary>
    public event EventHandler? Changed;

    /// <summary>Whether this sidecar asks for a certificate (<c>Sidecar:Identity:Enabled</c>).</summary>
    public bool Enabled => _options.Identity.Enabled;

    /// <summary>The certificate in use, its bundle and times; null until the first one arrives.</summary>
    public IssuedIdentity? Current => _current;

    /// <summary>Why the last request failed, or null after a success.</summary>
    public string? LastError => _lastError;

    /// <summary>How many certificates this sidecar was issued since it started.</summary>
    public long Issued => Interlocked.Read(ref _issued);

    /// <summary>Asks for a certificate whenever none is held or renewal is due, on one open policy stream, until <paramref name="cancellationToken"/>.</summary>
    /// <param name="send">Writes a request on the stream (taking turns with the stream's ACKs).</param>
    /// <param name="cancellationToken">Cancelled when the stream ends.</param>
    public async Task RunAsync(Func<Wire.PolicyRequest, CancellationToken, Task> send, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (_current is { } current && !_renewRequested && current.RenewAt - _time.GetUtcNow() is { Ticks: > 0 } wait)
            {
                await WaitAsync(wait, cancellationToken);
                continue;
            }

            _renewRequested = false;
            if (_renew.Task.IsCompleted)
            {
                _renew = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            var error = await RequestAsync(send, cancellationToken);
            if (error is null)
            {
                failures = 0;
                continue;
            }

            _lastError = error;
            var delay = _backoff.Delay(failures++);
            LogFailed(_logger, error, delay.TotalMilliseconds);
            await Task.Delay(delay, _time, cancellationToken);
        }
    }

    /// <summary>Asks for a new certificate now rather than at the renewal time (<c>POST /admin/identity/renew</c>).</summary>
    /// <remarks>The request goes out on the open policy stream at once, or as soon as one opens; the current certificate stays in use until the new one arrives.</remarks>
    public void RequestRenewal()
    {
        _renewRequested = true;
        _renew.TrySetResult();
    }

    /// <summary>Hands over the answer to the pending certificate request (an answer with none pending is dropped).</summary>
    public void OnAnswer(Wire.IssuedCertificate answer)
    {
        lock (_lock)
        {
            _pending?.Answer.TrySetResult(answer);
        }
    }

    public void Dispose() => _current?.Certificate.Dispose();

    /// <summary>Waits <paramref name="wait"/>, or less when a renewal is requested.</summary>
    private async Task WaitAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(wait, _time, stop.Token);
        if (await Task.WhenAny(delay, _renew.Task) == delay)
        {
            await delay;
            return;
        }

        // Renewal asked for: drop the timer.
        await stop.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Sends one request and takes its answer; returns why it failed, or null.</summary>
    private async Task<string?> RequestAsync(Func<Wire.PolicyRequest, CancellationToken, Task> send, CancellationToken cancellationToken)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest("CN=" + _options.Service, key, HashAlgorithmName.SHA256).CreateSigningRequest();
        var pending = new Pending(new TaskCompletionSource<Wire.IssuedCertificate>(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_lock)
        {
            _pending = pending;
        }

        try
        {
            await send(new Wire.PolicyRequest { CertificateRequest = new Wire.CertificateRequest { Csr = ByteString.CopyFrom(csr) } }, cancellationToken);
            Wire.IssuedCertificate answer;
            try
            {
                answer = await pending.Answer.Task.WaitAsync(AnswerTimeout, _time, cancellationToken);
            }
            catch (TimeoutException)
            {
                return $"no answer to the certificate request within {AnswerTimeout.TotalSeconds:0} s";
            }

            return Accept(answer, key);
        }
        finally
        {
            lock (_lock)
            {
                _pending = null;
            }
        }
    }

    private string? Accept(Wire.IssuedCertificate answer, ECDsa key)
    {
        if (answer.Error is { Length: > 0 } refused)
        {
            return "the control plane refused the certificate request: " + refused;
        }

        IssuedIdentity issued;
        try
        {
            var bundle = new X509Certificate2Collection();
            bundle.ImportFromPem(answer.TrustBundlePem);
            using var leaf = X509Certificate2.CreateFromPem(answer.CertificateChainPem);
            if (!leaf.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            {
                return "the issued certificate is not for the key of the request";
            }

            if (bundle.Count == 0)
            {
                return "the answer has no trust bundle";
            }

            if (ChainError(leaf, bundle, _time.GetUtcNow()) is { } chainError)
            {
                return "the issued certificate does not chain to its trust bundle: " + chainError;
            }

            var certificate = X509Certificate2.CreateFromPem(answer.CertificateChainPem, key.ExportPkcs8PrivateKeyPem());
            var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
            var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
            issued = new IssuedIdentity(certificate, bundle, UriName(certificate) ?? "", notAfter, notBefore + ((notAfter - notBefore) * 2 / 3));
        }
        catch (CryptographicException ex)
        {
            return "the issued certificate cannot be read: " + ex.Message;
        }

        // The old certificate is not disposed: a handshake that picked it a moment ago may still be using it.
        _current = issued;
        _lastError = null;
        Interlocked.Increment(ref _issued);
        LogIssued(_logger, issued.Identity, issued.NotAfter, issued.RenewAt);
        Changed?.Invoke(this, EventArgs.Empty);
        return null;
    }

    /// <summary>Why <paramref name="leaf"/> does not chain to <paramref name="roots"/> at <paramref name="at"/>, or null when it does.</summary>
    public static string? ChainError(X509Certificate2 leaf, X509Certificate2Collection roots, DateTimeOffset at)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = at.UtcDateTime;
        return chain.Build(leaf) ? null : string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()));
    }

    /// <summary>The first URI SAN of <paramref name="certificate"/> (its SPIFFE identity), or null.</summary>
    public static string? UriName(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value != "2.5.29.17")
            {
                continue;
            }

            var names = new System.Formats.Asn1.AsnReader(extension.RawData, System.Formats.Asn1.AsnEncodingRules.DER).ReadSequence();
            var uri = new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 6);
            while (names.HasData)
            {
                if (names.PeekTag().HasSameClassAndValue(uri))
                {
                    return names.ReadCharacterString(System.Formats.Asn1.UniversalTagNumber.IA5String, uri);
                }

                names.ReadEncodedValue();
            }
        }

        return null;
    }

    private sealed record Pending(TaskCompletionSource<Wire.IssuedCertificate> Answer);

    [LoggerMessage(EventId = 170, Level = LogLevel.Information, Message = "Certificate for {Identity} issued: not after {NotAfter:O}, renewal at {RenewAt:O}")]
    private static partial void LogIssued(ILogger logger, string identity, DateTimeOffset notAfter, DateTimeOffset renewAt);

    [LoggerMessage(EventId = 171, Level = LogLevel.Warning, Message = "No certificate ({Reason}); asking again in {DelayMs:0} ms, the current one (if any) stays in use")]
    private static partial void LogFailed(ILogger logger, string reason, double delayMs);
}
