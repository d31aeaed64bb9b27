using System.Diagnostics;
using CsCheck;

namespace Mesh.Heal.ControlPlane.Tests;

/// <summary>Runs a fuzz property over generated inputs: a fixed seed, a bounded count and a time budget, so a run is the
/// same every time and never runs long.</summary>
internal static class FuzzRunner
{
    /// <summary>Checks <paramref name="property"/> on <paramref name="iterations"/> inputs of <paramref name="gen"/> drawn
    /// from <paramref name="seed"/>, stopping early at <paramref name="budget"/>; a failure names the input's seed, to be
    /// replayed with <c>Check.Sample(gen, property, seed: ...)</c>.</summary>
    public static int Run<T>(Gen<T> gen, Action<T> property, ulong seed, int iterations, TimeSpan budget)
    {
        var pcg = new PCG(1, seed);
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
}
