namespace Mesh.Heal.Injection;

/// <summary>What <see cref="PodInjector.Inject"/> did to a pod template.</summary>
public enum InjectionOutcome
{
    /// <summary>The init and sidecar containers were added.</summary>
    Injected,

    /// <summary>The template already has the sidecar (the <c>meshheal.io/injected</c> annotation or a <c>meshheal-sidecar</c> container): left as it is.</summary>
    AlreadyInjected,

    /// <summary>The template, or its labels, say <c>meshheal.io/inject: disabled</c>: left as it is.</summary>
    Disabled,

    /// <summary>Only annotated templates are injected and this one is not annotated <c>meshheal.io/inject: enabled</c>.</summary>
    NotAnnotated,
}
