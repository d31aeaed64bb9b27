namespace Mesh.Heal.IntegrationTests.Support;

internal static class Wait
{
    /// <summary>Polls until <paramref name="condition"/> holds, failing after the deadline with what was awaited.</summary>
    public static Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? deadline = null) =>
        global::Mesh.Heal.Sidecar.Tests.Integration.TestSidecar.WaitUntilAsync(condition, what, deadline);
}
