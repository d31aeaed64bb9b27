using CsCheck;
using Mesh.Heal.Testing;
using Mesh.Heal.ControlPlane.Auth;

namespace Mesh.Heal.ControlPlane.Tests.Auth;

public class TokenAuthenticatorTests
{
    [Fact]
    public void Authenticate_MapsEachTokenToItsRole_AndEachServiceTokenToItsService_FromConfigAndFiles()
    {
        var file = Path.GetTempFileName();
        File.WriteAllLines(file, ["reader-token-from-file-1", "", "  reader-token-from-file-2  "]);
        var (auth, errors) = TokenAuthenticator.Create(new AuthOptions
        {
            AdminTokens = ["admin-token-0123456789"], ReaderTokens = ["file:" + file],
            ServiceTokens = new() { ["orders"] = ["orders-token-0123456789"], ["shop"] = ["shop-token-0123456789"] },
        });

        Assert.Empty(errors);
        Assert.Equal((Role.Admin, null), Claims(auth.Authenticate("Bearer admin-token-0123456789")));
        Assert.Equal((Role.Reader, null), Claims(auth.Authenticate("bearer reader-token-from-file-2")));
        Assert.Equal((Role.Sidecar, "orders"), Claims(auth.Authenticate("Bearer orders-token-0123456789")));
        Assert.Equal((Role.Sidecar, "shop"), Claims(auth.Authenticate("Bearer shop-token-0123456789")));
        Assert.StartsWith("sidecar:orders:", auth.Authenticate("Bearer orders-token-0123456789")!.Actor);
        Assert.DoesNotContain("orders-token", auth.Authenticate("Bearer orders-token-0123456789")!.Actor);
        Assert.Null(auth.Authenticate("Bearer nope-nope-nope-nope"));
        Assert.Null(auth.Authenticate("Basic admin-token-0123456789"));
        Assert.Null(auth.Authenticate(null));

        static (Role, string?) Claims(Caller? caller) => (caller!.Role, caller.Service);
    }

    [Fact]
    public void Create_BadTokens_AreNamed()
    {
        var (_, errors) = TokenAuthenticator.Create(new AuthOptions
        {
            AdminTokens = ["short", "same-token-0123456789"], ReaderTokens = ["same-token-0123456789", "file:/nonexistent/tokens"],
            ServiceTokens = new() { ["orders"] = ["shared-token-0123456789"], ["payments"] = ["shared-token-0123456789"], ["Not A Service"] = ["x-token-0123456789"] },
        });

        Assert.Contains(errors, e => e.Field == "ControlPlane:Auth:AdminTokens:0" && e.Message.Contains("16 characters"));
        Assert.Contains(errors, e => e.Field == "ControlPlane:Auth:AdminTokens:1" && e.Message.Contains("also configured as Reader"));
        Assert.Contains(errors, e => e.Field == "ControlPlane:Auth:ReaderTokens:1" && e.Message.Contains("could not be read"));
        Assert.Contains(errors, e => e.Field == "ControlPlane:Auth:ServiceTokens:payments:0" && e.Message.Contains("a sidecar token of service 'orders'"));
        Assert.Contains(errors, e => e.Field == "ControlPlane:Auth:ServiceTokens:Not A Service" && e.Message.Contains("accepted: lowercase"));
    }

    [Fact]
    public void Create_UnboundSidecarTokens_AreAStartupError_NamingTheReplacement()
    {
        var (_, errors) = TokenAuthenticator.Create(new AuthOptions { SidecarTokens = ["sidecar-token-0123456789"] });

        var error = Assert.Single(errors);
        Assert.Equal("ControlPlane:Auth:SidecarTokens", error.Field);
        Assert.Contains("ControlPlane:Auth:ServiceTokens:<service>", error.Message);
        Assert.Contains("ControlPlane:Auth:ServiceAccounts", error.Message);
    }

    [Fact]
    public void NoTokens_AuthenticationIsOff_EveryoneIsAnAnonymousAdmin()
    {
        var (auth, _) = TokenAuthenticator.Create(new AuthOptions());

        Assert.False(auth.Enabled);
        Assert.Equal(Caller.Anonymous, auth.Authenticate(null));
    }

    [Fact]
    public void ServiceAccountsOnly_AuthenticationIsOn()
    {
        var (auth, _) = TokenAuthenticator.Create(new AuthOptions { ServiceAccounts = { Enabled = true } });

        Assert.True(auth.Enabled);
        Assert.Null(auth.Authenticate(null));
    }

    [Fact]
    public void ClaimError_DecisionTable_HoldsForEveryRoleServiceAndInstance()
    {
        // An admin may speak for anyone; a sidecar credential for its own service (and its own pod, when bound) only; a reader for no one.
        var names = Gen.OneOf("orders", "payments", "shop", "orders-1", "a");
        var optional = Gen.OneOf<string?>(null, "orders", "payments", "orders-1");
        var gen = from role in Gen.Enum<Role>()
                  from service in names
                  from boundInstance in optional
                  from claimService in names
                  from claimInstance in names
                  select (role, service, boundInstance, claimService, claimInstance);
        FuzzRunner.Run(
            gen,
            t =>
            {
                var (role, service, boundInstance, claimService, claimInstance) = t;
                var caller = new Caller(role, "actor", "credential", role == Role.Sidecar ? service : null, boundInstance);
                var allowed = role switch
                {
                    Role.Admin => true,
                    Role.Sidecar => service == claimService && (boundInstance is null || boundInstance == claimInstance),
                    _ => false,
                };
                var error = caller.ClaimError(claimService, claimInstance);
                Assert.True(
                    allowed ? error is null : error is not null && error.StartsWith("identity.", StringComparison.Ordinal) && error.Contains("accepted", StringComparison.Ordinal),
                    $"{t}: {error}");
            },
            seed: 0x5EED_0004,
            iterations: 2000,
            TimeSpan.FromSeconds(10));
    }
}
