using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Identity.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Heal.ControlPlane.Identity;

/// <summary>Registers the identity CA.</summary>
internal static class IdentityServiceCollectionExtensions
{
    /// <summary>Adds <see cref="IdentityOptions"/> and the <see cref="CertificateAuthority"/> (its root loaded at start when enabled).</summary>
    public static IServiceCollection AddMeshHealIdentity(this IServiceCollection services)
    {
        services.AddMeshHealOptions<IdentityOptions, IdentityOptionsValidator>();
        services.TryAddSingleton<CertificateAuthority>();
        services.AddHostedService(sp => sp.GetRequiredService<CertificateAuthority>());
        return services;
    }
}
