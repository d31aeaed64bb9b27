using Mesh.Heal.ControlPlane.Auth;
using Mesh.Heal.ControlPlane.Hosting;

namespace Mesh.Heal.ControlPlane.Tests.Auth;

public class TokenAuthenticatorTests
{
    [Fact]
    public void Authenticate_MapsEachTokenToItsRole_FromConfigAndFiles()
    {
        var file = Path.GetTempFileName();
        File.WriteAllLines(file, ["reader-token-from-file-1", "", "  reader-token-from-file-2  "]);
        var (auth, errors) = TokenAuthenticator.Create(new ControlPlaneOptions.AuthOptions
        {
            AdminTokens = ["admin-token-0123456789"], ReaderTokens = ["file:" + file], SidecarTokens = ["sidecar-token-0123456789"],
        });

        Assert.Empty(errors);
        Assert.Equal(Role.Admin, auth.Authenticate("Bearer admin-token-0123456789")!.Value.Role);
        Assert.Equal(Role.Reader, auth.Authenticate("bearer reader-token-from-file-2")!.Value.Role);
        Assert.Equal(Role.Sidecar, auth.Authenticate("Bearer sidecar-token-0123456789")!.Value.Role);
        Assert.Null(auth.Authenticate("Bearer nope-nope-nope-nope"));
        Assert.Null(auth.Authenticate("Basic admin-token-0123456789"));
        Assert.Null(auth.Authenticate(null));
    }

    [Fact]
    public void Create_BadTokens_AreNamed()
    {
        var (_, errors) = TokenAuthenticator.Create(new ControlPlaneOptions.AuthOptions
        {
            AdminTokens = ["short", "same-token-0123456789"], ReaderTokens = ["same-token-0123456789", "file:/nonexistent/tokens"],
        });

        Assert.Contains(errors, e => e.Field == "ControlPlane:Auth:AdminTokens:0" && e.Message.Contains("16 characters"));
        Assert.Contains(errors, e => e.Field == "ControlPlane:Auth:AdminTokens:1" && e.Message.Contains("also configured as Reader"));
        Assert.Contains(errors, e => e.Field == "ControlPlane:Auth:ReaderTokens:1" && e.Message.Contains("could not be read"));
    }

    [Fact]
    public void NoTokens_AuthenticationIsOff_EveryoneIsAnAnonymousAdmin()
    {
        var (auth, _) = TokenAuthenticator.Create(new ControlPlaneOptions.AuthOptions());

        Assert.False(auth.Enabled);
        Assert.Equal((Role.Admin, "anonymous"), auth.Authenticate(null));
    }
}
