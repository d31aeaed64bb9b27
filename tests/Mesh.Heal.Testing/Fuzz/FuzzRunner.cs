using System.Diagnostics;
using System.Globalization;
using CsCheck;

namespace Mesh.Heal.Testing;

/// <summary>Runs a fuzz property over generated inputs: a fixed seed, a bounded count and a time budget, so a run is the
/// same every time and never runs long. Every fuzz suite (Core, Sidecar and ControlPlane tests link this file) uses it.</summary>
/// <remarks>
/// CsCheck's own <c>Sample(seed: ...)</c> fixes only the first input and draws the rest at random, so two CI runs would
/// test different inputs; here one PCG stream drives every input. Set <c>MESHHEAL_FUZZ_SEED</c> to another number to
/// explore beyond the committed seed; a failure prints the input's own seed and the input.
/// </remarks>
internal static class FuzzRunner
{
    /// <summary>Checks <paramref name="property"/> on <paramref name="iterations"/> inputs of <paramref name="gen"/> drawn
    /// from <paramref name="seed"/>, stopping early at <paramref name="budget"/>; returns how many inputs were checked.</summary>
    public static int Run<T>(Gen<T> gen, Action<T> property, ulong seed, int iterations, TimeSpan budget)
    {
        var pcg = new PCG(1, Seed(seed));
        var clock = Stopwatch.StartNew();
        var run = 0;
        for (; run < iterations && clock.Elapsed < budget; run++)
        {
            var state = pcg.State;
            var input = gen.Generate(pcg, null, out _);
            try
            {
                property(input);
            }
            catch (Exception ex)
            {
                var printed = Check.Print(input);
                printed = printed.Length > 4000 ? printed[..4000] + "…" : printed;
                throw new InvalidOperationException($"fuzz input {run} (seed {pcg.ToString(state)}) failed: {ex.Message}\n{printed}", ex);
            }
        }

        return run;
    }

    private static ulong Seed(ulong committed) =>
        Environment.GetEnvironmentVariable("MESHHEAL_FUZZ_SEED") is { Length: > 0 } text
            ? ulong.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture) ^ committed
            : committed;
}
