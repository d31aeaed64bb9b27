namespace Mesh.Heal.ControlPlane.Store;

/// <summary>The identity CA's root, generated once and shared by every replica.</summary>
internal sealed partial class MeshStore
{
    /// <summary>Stores <paramref name="certificatePem"/> and <paramref name="keyPem"/> as the root named <paramref name="name"/>
    /// unless one is stored already, and returns the stored one.</summary>
    /// <remarks>Insert-if-absent then read back: replicas starting at once each offer their own, and all of them end up with the
    /// first one written.</remarks>
    public (string CertificatePem, string KeyPem) CaRoot(string name, string certificatePem, string keyPem)
    {
        Execute(
            "INSERT INTO ca_roots (name, certificate_pem, key_pem, created_at) VALUES (@n, @c, @k, @t) ON CONFLICT (name) DO NOTHING",
            ("@n", name), ("@c", certificatePem), ("@k", keyPem), ("@t", Now()));
        return Query("SELECT certificate_pem, key_pem FROM ca_roots WHERE name = @n", r => (r.GetString(0), r.GetString(1)), ("@n", name)).Single();
    }

    /// <summary>The stored root named <paramref name="name"/>, or null.</summary>
    public (string CertificatePem, string KeyPem)? StoredCaRoot(string name) =>
        Query("SELECT certificate_pem, key_pem FROM ca_roots WHERE name = @n", r => ((string, string)?)(r.GetString(0), r.GetString(1)), ("@n", name)).FirstOrDefault();
}
