using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Hosting;

/// <summary>Registers a feature's options: bound to its configuration section, checked by its validator at start-up.</summary>
internal static class OptionsServiceCollectionExtensions
{
    /// <summary>Binds <typeparamref name="TOptions"/> to its section of <see cref="ControlPlaneSections.ByType"/>, adds
    /// <typeparamref name="TValidator"/> and validates on start, so a bad setting stops the control plane before it listens.</summary>
    public static OptionsBuilder<TOptions> AddMeshHealOptions<TOptions, TValidator>(this IServiceCollection services)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return services.AddMeshHealOptions<TOptions>().ValidateOnStart();
    }

    /// <summary>Binds <typeparamref name="TOptions"/> to its section of <see cref="ControlPlaneSections.ByType"/>.</summary>
    public static OptionsBuilder<TOptions> AddMeshHealOptions<TOptions>(this IServiceCollection services)
        where TOptions : class => services.AddOptions<TOptions>().BindConfiguration(ControlPlaneSections.ByType[typeof(TOptions)]);
}
