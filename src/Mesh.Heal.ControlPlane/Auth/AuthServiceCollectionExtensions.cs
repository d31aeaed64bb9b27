using Mesh.Heal.ControlPlane.Auth.Internal;
using Mesh.Heal.ControlPlane.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Auth;

/// <summary>Registers authentication.</summary>
internal static class AuthServiceCollectionExtensions
{
    /// <summary>Adds <see cref="AuthOptions"/>, the token authenticator, service-account reviews and the gRPC interceptor.</summary>
    public static IServiceCollection AddMeshHealAuth(this IServiceCollection services)
    {
        services.AddMeshHealOptions<AuthOptions, AuthOptionsValidator>();
        services.TryAddSingleton(sp => TokenAuthenticator.Create(sp.GetRequiredService<IOptions<AuthOptions>>().Value).Authenticator);
        services.TryAddSingleton<ServiceAccountReviewer>();
        services.TryAddSingleton<AuthInterceptor>();
        return services;
    }
}
