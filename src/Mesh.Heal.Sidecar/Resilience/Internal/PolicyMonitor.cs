using Mesh.Heal.Sidecar.Configuration;
using Mesh.Heal.Policy;
using Microsoft.Extensions.Primitives;

namespace Mesh.Heal.Sidecar.Resilience.Internal;

/// <summary>Keeps the policy in force in step with the <c>Resilience</c> configuration section.</summary>
/// <remarks>
/// The first policy is read when the monitor is created, and an invalid one stops start-up with every error listed.
/// Later changes are applied live; an invalid change is logged and recorded in <see cref="ConfigReloadStatus"/>,
/// and the policy in force stays. Each accepted change with different rules takes the next version number.
/// </remarks>
internal sealed partial class PolicyMonitor : IDisposable
{
    private readonly IConfiguration _configuration;
    private readonly ClusterResilienceRegistry _registry;
    private readonly ConfigReloadStatus _status;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly IDisposable _subscription;

    public PolicyMonitor(IConfiguration configuration, ClusterResilienceRegistry registry, ConfigReloadStatus status, ILogger<PolicyMonitor> logger)
    {
        _configuration = configuration;
        _registry = registry;
        _status = status;
        _logger = logger;
        var (policy, errors) = ReadGuarded(configuration, version: 1);
        if (policy is null)
        {
            throw new SidecarConfigurationException(errors);
        }

        registry.Apply(policy);
        _status.Rejected += OnRejected;
        _subscription = ChangeToken.OnChange(configuration.GetReloadToken, Reload);
    }

    public long Version => _registry.Policy.Version;

    public void Dispose()
    {
        _status.Rejected -= OnRejected;
        _subscription.Dispose();
    }

    /// <summary>Re-reads the section and applies it if it is valid and different.</summary>
    public void Reload()
    {
        lock (_lock)
        {
            var current = _registry.Policy;
            var (policy, errors) = ReadGuarded(_configuration, current.Version + 1);
            if (policy is null)
            {
                _status.Reject("resilience policy rejected: " + string.Join("; ", errors));
                return;
            }

            if (policy.SameRulesAs(current))
            {
                return;
            }

            if (!_registry.TryApplyLocal(policy))
            {
                LogLocalIgnored(_logger, current.Source, current.Version);
                return;
            }

            LogApplied(_logger, policy.Version);
        }
    }

    private static (ResiliencePolicy? Policy, IReadOnlyList<PolicyError> Errors) ReadGuarded(IConfiguration configuration, long version)
    {
        try
        {
            return PolicyReader.Read(configuration, version, PolicyReader.KnownClusters(configuration));
        }
        catch (Exception ex)
        {
            // A reader failure is a refused change like any other: logged, counted, the policy in force kept.
            return (null, [new PolicyError("Resilience", $"could not be read: {ex.GetType().Name}: {ex.Message}")]);
        }
    }

    private void OnRejected(string reason) => LogRejected(_logger, reason, _registry.Policy.Version);
}
