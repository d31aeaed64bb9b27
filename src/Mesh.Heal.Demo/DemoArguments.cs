using System.Globalization;
using Mesh.Heal.Policy;

namespace Mesh.Heal.Demo;

/// <summary>Parses <c>meshctl demo</c>'s options, naming the option and its accepted values on error.</summary>
internal static class DemoArguments
{
    public static bool TryParse(ReadOnlySpan<string> args, out DemoOptions options, out string error)
    {
        options = new DemoOptions();
        error = string.Empty;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var equals = arg.IndexOf('=');
            var name = equals < 0 ? arg : arg[..equals];
            if (name == "--quiet")
            {
                options.Quiet = true;
                continue;
            }

            var value = equals >= 0 ? arg[(equals + 1)..] : i + 1 < args.Length ? args[++i] : null;
            switch (name)
            {
                case "--duration":
                    if (!TryParseSeconds(value, out var duration) || duration < TimeSpan.FromSeconds(3) || duration > TimeSpan.FromHours(1))
                    {
                        error = $"--duration '{value}' is not accepted; accepted: 3s to 1h, such as 30, 30s or 00:00:30";
                        return false;
                    }

                    options.Duration = duration;
                    break;
                case "--rate":
                    if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var rate) || rate is < 1 or > 5000)
                    {
                        error = $"--rate '{value}' is not accepted; accepted: 1 to 5000 requests per second";
                        return false;
                    }

                    options.Rate = rate;
                    break;
                default:
                    error = $"unknown option '{name}'; accepted: --duration, --rate, --quiet";
                    return false;
            }
        }

        return true;
    }

    private static bool TryParseSeconds(string? value, out TimeSpan duration)
    {
        duration = default;
        if (value is null)
        {
            return false;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds))
        {
            duration = TimeSpan.FromSeconds(seconds);
            return true;
        }

        return DurationParser.TryParse(value, out duration);
    }
}
