using Google.Protobuf;
using Mesh.Heal.Policy;
using Mesh.Heal.Protocol.Mapping;
using Mesh.Heal.Sidecar.Hosting;
using Mesh.Heal.Sidecar.Resilience.Internal;
using Microsoft.Extensions.Options;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.Sidecar.PolicySync.Internal;

/// <summary>Checks a control-plane snapshot against this sidecar, applies it atomically, keeps it on disk, and says ACK or NACK.</summary>
/// <remarks>
/// A snapshot is refused (NACK) when it is for another service, has a field missing, has a value out of range, or names
/// a cluster this sidecar does not have; the policy in force then stays. An accepted snapshot is written to
/// <see cref="SidecarOptions.StateDirectory"/> (write then rename, so a crash never leaves half a file), and read back at
/// start-up when the control plane is away.
/// </remarks>
internal sealed partial class PolicySnapshotApplier
{
    private readonly ClusterResilienceRegistry _registry;
    private readonly IConfiguration _configuration;
    private readonly SidecarOptions _options;
    private readonly ControlPlaneStatus _status;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();

    public PolicySnapshotApplier(
        ClusterResilienceRegistry registry, IConfiguration configuration, IOptions<SidecarOptions> options, ControlPlaneStatus status,
        ILogger<PolicySnapshotApplier> logger)
    {
        _registry = registry;
        _configuration = configuration;
        _options = options.Value;
        _status = status;
        _logger = logger;
    }

    /// <summary>The file that holds the last accepted snapshot, or null when nothing is persisted.</summary>
    public string? StatePath => _options.StateDirectory is { Length: > 0 } dir ? Path.Combine(dir, $"policy-{_options.Service}.json") : null;

    /// <summary>Applies <paramref name="snapshot"/> if it can be, and returns the answer to send: an ACK or a NACK.</summary>
    public Wire.PolicyRequest Apply(Wire.PolicySnapshot snapshot)
    {
        lock (_lock)
        {
            var errors = TryApply(snapshot, PolicySource.ControlPlane);
            if (errors.Count == 0)
            {
                Persist(snapshot);
                _status.OnAck(snapshot.Version);
                LogApplied(_logger, snapshot.Version);
                return new Wire.PolicyRequest { Version = snapshot.Version, ResponseNonce = snapshot.Nonce };
            }

            var reason = string.Join("; ", errors);
            _status.OnNack(snapshot.Version, reason);
            LogRefused(_logger, snapshot.Version, reason, _registry.Policy.Version);
            var detail = new Wire.ErrorDetail { Message = $"policy version {snapshot.Version} refused by {_options.Instance}" };
            detail.Fields.Add(errors.Select(e => new Wire.FieldError { Field = e.Field, Message = e.Message }));
            return new Wire.PolicyRequest { Version = _registry.Policy.Version, ResponseNonce = snapshot.Nonce, ErrorDetail = detail };
        }
    }

    /// <summary>Applies the persisted snapshot, if there is one and it still fits this sidecar's clusters.</summary>
    /// <returns>The version applied, or null.</returns>
    public long? LoadLastKnownGood()
    {
        if (StatePath is not { } path || !File.Exists(path))
        {
            return null;
        }

        lock (_lock)
        {
            IReadOnlyList<PolicyError> errors;
            Wire.PolicySnapshot? snapshot = null;
            try
            {
                snapshot = Wire.PolicySnapshot.Parser.ParseJson(File.ReadAllText(path));
                errors = TryApply(snapshot, PolicySource.LastKnownGood);
            }
            catch (Exception ex) when (ex is IOException or InvalidProtocolBufferException or InvalidJsonException or UnauthorizedAccessException)
            {
                errors = [new PolicyError(path, ex.Message)];
            }

            if (errors.Count > 0)
            {
                LogLastKnownGoodUnusable(_logger, path, string.Join("; ", errors));
                return null;
            }

            LogLastKnownGood(_logger, snapshot!.Version, path);
            return snapshot.Version;
        }
    }

    private IReadOnlyList<PolicyError> TryApply(Wire.PolicySnapshot snapshot, PolicySource source)
    {
        if (!string.Equals(snapshot.Service, _options.Service, StringComparison.Ordinal))
        {
            return [new PolicyError("service", $"the snapshot is for '{snapshot.Service}'; this sidecar serves '{_options.Service}'")];
        }

        var (policy, errors) = PolicyMapping.FromWire(snapshot.Policy, snapshot.Version);
        if (policy is null)
        {
            return errors;
        }

        errors = ResiliencePolicyValidator.Validate(policy, PolicyReader.KnownClusters(_configuration), root: "policy");
        if (errors.Count > 0)
        {
            return errors;
        }

        _registry.Apply(policy with { Source = source });
        return [];
    }

    private void Persist(Wire.PolicySnapshot snapshot)
    {
        if (StatePath is not { } path)
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temp = path + ".tmp";
            File.WriteAllText(temp, JsonFormatter.Default.Format(snapshot));
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The policy is in force either way; only a restart without the control plane would miss it.
            LogPersistFailed(_logger, path, ex.Message);
        }
    }
}
