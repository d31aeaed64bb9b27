namespace Mesh.Heal.TimeSeries;

/// <summary>Sums of counts that stop at the largest value instead of wrapping.</summary>
/// <remarks>
/// Counts come from sidecars and are checked before they are summed, but a sum over many sidecars and many hours must
/// still never wrap to a negative number if a bad value slipped through: it sticks at <see cref="long.MaxValue"/>
/// (or <see cref="long.MinValue"/>), and a latency sum sticks at <see cref="double.MaxValue"/>.
/// </remarks>
public static class Saturating
{
    /// <summary><paramref name="a"/> + <paramref name="b"/>, held within [<see cref="long.MinValue"/>, <see cref="long.MaxValue"/>].</summary>
    public static long Add(long a, long b)
    {
        var sum = unchecked(a + b);

        // Overflow happened when both operands have the same sign and the sum's sign differs.
        if (((a ^ sum) & (b ^ sum)) < 0)
        {
            return a < 0 ? long.MinValue : long.MaxValue;
        }

        return sum;
    }

    /// <summary><paramref name="a"/> + <paramref name="b"/> for sums of non-negative finite amounts: never infinite, never NaN.</summary>
    public static double Add(double a, double b)
    {
        var sum = a + b;
        return double.IsNaN(sum) ? a : Math.Clamp(sum, -double.MaxValue, double.MaxValue);
    }
}
