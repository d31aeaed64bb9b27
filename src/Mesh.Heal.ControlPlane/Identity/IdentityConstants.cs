namespace Mesh.Heal.ControlPlane.Identity;

/// <summary>The defaults and bounds of <see cref="IdentityOptions"/>, and the fixed parts of an identity.</summary>
internal static class IdentityConstants
{
    public const string DefaultTrustDomain = "meshheal.local";

    /// <summary>The name of the generated root's row in the store.</summary>
    public const string StoredRootName = "identity";

    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(1);

    public static readonly TimeSpan MinLifetime = TimeSpan.FromMinutes(5);

    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(7);

    /// <summary>How far back an issued certificate's NotBefore is set, so a peer whose clock is a little behind accepts it.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    /// <summary>How long a generated root is valid.</summary>
    public static readonly TimeSpan RootLifetime = TimeSpan.FromDays(3650);

    /// <summary>The URI SAN of <paramref name="service"/>'s identity.</summary>
    public static string SpiffeId(string trustDomain, string service) => $"spiffe://{trustDomain}/service/{service}";
}
