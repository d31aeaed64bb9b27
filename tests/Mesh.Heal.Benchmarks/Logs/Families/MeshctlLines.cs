using System.Diagnostics;
using System.Globalization;
using System.Text;
using Mesh.Heal.Chaos;

namespace Mesh.Heal.Benchmarks.Logs.Families;

/// <summary>The product's template of every line, the way a user gets it: <c>meshctl analyze logs - --lines</c> as a
/// process (the build's own meshctl), the lines on its standard input.</summary>
/// <remarks>Running the command itself, not a copy of its loop, keeps the benchmark on the one path the held-out check
/// uses, whatever the reader, analyzer or miner behind it become.</remarks>
internal static class MeshctlLines
{
    /// <summary>The template id <c>--lines</c> printed for each line (-1 for a line it dropped).</summary>
    public static async Task<int[]> RunAsync(IReadOnlyList<string> lines)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var arg in new[] { Programs.Meshctl, "analyze", "logs", "-", "--lines" })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_gcServer"] = "0";
        using var process = Process.Start(info) ?? throw new InvalidOperationException("meshctl did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        var input = new StringBuilder();
        foreach (var line in lines)
        {
            input.Append(line).Append('\n');
        }

        await process.StandardInput.WriteAsync(input.ToString());
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        var text = await output;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"meshctl analyze logs --lines exited with {process.ExitCode}: {await error}");
        }

        var ids = new int[lines.Count];
        var n = 0;
        foreach (var row in text.Split('\n'))
        {
            if (n == ids.Length)
            {
                break;
            }

            var tab = row.IndexOf('\t');
            ids[n++] = int.Parse(tab < 0 ? row : row[..tab], CultureInfo.InvariantCulture);
        }

        return n == ids.Length ? ids : throw new InvalidOperationException($"meshctl printed {n} lines for {ids.Length}");
    }
}
