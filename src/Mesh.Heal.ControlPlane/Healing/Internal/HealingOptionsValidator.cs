using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Hosting.Internal;
using Mesh.Heal.Healing;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Healing.Internal;

/// <summary>Checks <c>ControlPlane:Healing</c>: the coordinator's schedule, verification and how far it applies by itself.</summary>
internal sealed class HealingOptionsValidator : IValidateOptions<HealingOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, HealingOptions options) => Check(options).Result();

    /// <summary>Every rule of <see cref="HealingOptions"/>.</summary>
    public static OptionsErrors Check(HealingOptions healing)
    {
        const string Section = ControlPlaneSections.Healing;
        var errors = new OptionsErrors();
        errors.Duration(Section + ":Interval", healing.Interval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10));
        errors.Duration(Section + ":AgentBudget", healing.AgentBudget, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1));
        errors.Duration(Section + ":LiveWindow", healing.LiveWindow, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(4));
        errors.Duration(Section + ":VerificationWindow", healing.VerificationWindow, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2));
        errors.Duration(Section + ":VerificationSettle", healing.VerificationSettle, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        errors.Duration(Section + ":ResolveAfter", healing.ResolveAfter, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        errors.Duration(Section + ":Cooldown", healing.Cooldown, TimeSpan.Zero, TimeSpan.FromDays(1));
        errors.Duration(Section + ":History", healing.History, TimeSpan.Zero, TimeSpan.FromHours(1));
        if (!(healing.WorseMargin is >= 0 and <= 1))
        {
            errors.Add(Section + ":WorseMargin", $"{healing.WorseMargin} is out of range; accepted: 0 to 1");
        }

        if (healing.AutoApplyRisk > ActionRisk.Medium)
        {
            errors.Add(Section + ":AutoApplyRisk", $"{healing.AutoApplyRisk} is not accepted; accepted: Low, Medium (high-risk actions always wait for approval)");
        }

        return errors;
    }
}
