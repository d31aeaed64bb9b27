using Mesh.Heal.Agents.Forecasting;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Hosting.Internal;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Capacity.Internal;

/// <summary>Checks <c>ControlPlane:Capacity</c>: windows, the rollup resolution, and each service's planner, forecast and HPA.</summary>
internal sealed class CapacityOptionsValidator : IValidateOptions<CapacityOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, CapacityOptions options) => Check(options).Result();

    /// <summary>Every rule of <see cref="CapacityOptions"/>.</summary>
    public static OptionsErrors Check(CapacityOptions capacity)
    {
        const string Section = ControlPlaneSections.Capacity;
        var errors = new OptionsErrors();
        errors.Duration(Section + ":Lookback", capacity.Lookback, TimeSpan.FromMinutes(1), TimeSpan.FromDays(400));
        errors.Duration(Section + ":ScalingLookback", capacity.ScalingLookback, TimeSpan.FromMinutes(1), TimeSpan.FromDays(7));
        errors.Duration(Section + ":Refresh", capacity.Refresh, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        if (capacity.Resolution is { } step && step != TimeSpan.FromSeconds(1) && step != TimeSpan.FromMinutes(1) && step != TimeSpan.FromHours(1))
        {
            errors.Add(Section + ":Resolution", $"{step:c} is not accepted; accepted: 00:00:01, 00:01:00 or 01:00:00 (the rollup steps), or empty for automatic");
        }

        foreach (var (service, settings) in capacity.Services)
        {
            var prefix = $"{Section}:Services:{service}";
            var planner = settings.Planner;
            if (planner.CapacityPerReplica is <= 0 || planner.LatencyObjectiveMs is <= 0)
            {
                errors.Add(prefix + ":Planner", "CapacityPerReplica and LatencyObjectiveMs must be above 0 when set; accepted: requests/s per replica, milliseconds");
            }

            if (planner.Headroom is < 0 or > 10 || planner.PricePerReplicaHour < 0 || planner.PricePerCoreHour < 0 || planner.PricePerGiBHour < 0)
            {
                errors.Add(prefix + ":Planner", "Headroom must be 0 to 10 and the prices 0 or more; accepted: Headroom 0.2 for 20 %, prices per hour");
            }

            if (!(planner.SaturationTarget is > 0 and <= 0.5))
            {
                errors.Add(prefix + ":Planner:SaturationTarget", $"{planner.SaturationTarget} is out of range; accepted: above 0 and at most 0.5 (0.01: demand may exceed the provision in 1 % of steps)");
            }

            var forecast = planner.Forecast;
            if (!(forecast.Confidence is > 0 and < 1) || !(forecast.UpperMiss > 0) || forecast.UpperMiss > 1 - forecast.Confidence + 1e-12)
            {
                errors.Add(prefix + ":Planner:Forecast", $"Confidence {forecast.Confidence} with UpperMiss {forecast.UpperMiss} is not accepted; accepted: Confidence above 0 and below 1, UpperMiss above 0 and at most 1 - Confidence");
            }

            errors.Url(prefix + ":Prometheus", settings.Prometheus);
            errors.Duration(prefix + ":DemandStep", settings.DemandStep, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
            if (planner.Horizons.Any(h => h <= TimeSpan.Zero))
            {
                errors.Add(prefix + ":Planner:Horizons", "has a duration of zero or less; accepted: positive durations, such as 30.00:00:00, or none for 30, 60 and 90 days");
            }

            if (capacity.Resolution is { } resolution && planner.EffectiveHorizons.Max() / resolution > ForecastOptions.MaximumHorizonSteps)
            {
                errors.Add(prefix + ":Planner:Horizons", $"the longest horizon is more than {ForecastOptions.MaximumHorizonSteps} steps of {Section}:Resolution {resolution:c}; accepted: shorter horizons or a coarser resolution");
            }

            if (settings.Hpa is not { } hpa)
            {
                continue;
            }

            if (hpa.MinReplicas < 1 || hpa.MaxReplicas < hpa.MinReplicas)
            {
                errors.Add(prefix + ":Hpa:MaxReplicas", $"MinReplicas {hpa.MinReplicas} and MaxReplicas {hpa.MaxReplicas} are not accepted; accepted: 1 <= MinReplicas <= MaxReplicas");
            }

            if (hpa.TargetUtilization is <= 0 or > 1)
            {
                errors.Add(prefix + ":Hpa:TargetUtilization", $"{hpa.TargetUtilization} is out of range; accepted: above 0, at most 1");
            }

            errors.Duration(prefix + ":Hpa:ScaleUpStabilization", hpa.ScaleUpStabilization, TimeSpan.Zero, TimeSpan.FromHours(1));
            errors.Duration(prefix + ":Hpa:ScaleDownStabilization", hpa.ScaleDownStabilization, TimeSpan.Zero, TimeSpan.FromHours(1));
        }

        return errors;
    }
}
