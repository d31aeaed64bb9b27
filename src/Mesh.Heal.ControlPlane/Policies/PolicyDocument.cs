using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Mesh.Heal.Policy;

namespace Mesh.Heal.ControlPlane.Policies;

/// <summary>A service's policy as an operator writes it: YAML or JSON with <c>service</c>, <c>defaults</c> and <c>clusters</c>.</summary>
/// <remarks>
/// The document is flattened into configuration keys and read by <see cref="PolicyReader"/>, the same reader as the
/// sidecar's own <c>Resilience</c> section, so both accept the same keys (case-insensitive), durations (<c>2s</c>,
/// <c>250ms</c>, <c>00:00:02</c>) and defaults, and a bad value is named by its path.
/// </remarks>
internal static partial class PolicyDocument
{
    /// <summary>What a service name may look like.</summary>
    public const string ServiceNameRule = "lowercase letters, digits, '-', '_' and '.', 1 to 63 characters, starting and ending with a letter or digit";

    /// <summary>Parses and validates a document with the default limits and at most <paramref name="maxBytes"/> bytes.</summary>
    public static (string? Service, ResiliencePolicy? Policy, IReadOnlyList<PolicyError> Errors) Parse(string text, string? service, int maxBytes) =>
        Parse(text, service, PolicyDocumentLimits.Default with { MaxBytes = maxBytes });

    /// <summary>Parses and validates a document.</summary>
    /// <param name="text">The document.</param>
    /// <param name="service">The service it must be for, or null to take it from the document.</param>
    /// <param name="limits">The largest document accepted, its deepest nesting, its node and alias budgets.</param>
    /// <remarks>Never throws for any text: what cannot be read is an error naming the path (or <c>document</c>) and the accepted form.</remarks>
    public static (string? Service, ResiliencePolicy? Policy, IReadOnlyList<PolicyError> Errors) Parse(string text, string? service, PolicyDocumentLimits limits)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(limits);
        var bytes = Encoding.UTF8.GetByteCount(text);
        if (bytes > limits.MaxBytes)
        {
            return (null, null, [new PolicyError("document", $"is {bytes} bytes; accepted: at most {limits.MaxBytes} bytes")]);
        }

        var (data, error) = Flatten(text, limits);
        if (error is not null)
        {
            return (null, null, [error]);
        }

        var root = DocumentConfiguration.Build(data);
        var serviceSection = root.GetSection("service");
        var errors = new List<PolicyError>();
        if (serviceSection.GetChildren().Any())
        {
            errors.Add(new PolicyError(serviceSection.Path, "is a list or a mapping; accepted: a service name, " + ServiceNameRule));
        }

        var named = serviceSection.Value;
        var effective = named ?? service;
        if (errors.Count > 0)
        {
            // Named above.
        }
        else if (string.IsNullOrEmpty(effective))
        {
            errors.Add(new PolicyError("service", "is missing; accepted: " + ServiceNameRule));
        }
        else if (!IsServiceName(effective))
        {
            errors.Add(new PolicyError("service", $"'{Shorten(effective)}' is not a service name; accepted: {ServiceNameRule}"));
        }
        else if (service is not null && named is not null && !string.Equals(service, named, StringComparison.Ordinal))
        {
            errors.Add(new PolicyError("service", $"the document is for '{named}' but was submitted for '{service}'"));
        }

        var (policy, policyErrors) = PolicyReader.Read(root, path: string.Empty, version: 0, knownClusters: null, otherKeys: ["service"]);
        errors.AddRange(policyErrors);
        if (errors.Count > MaxErrors)
        {
            // The errors travel in a gRPC status (a trailer), the audit log and a log line: a document with thousands of bad
            // keys must not make any of them huge.
            var more = errors.Count - MaxErrors;
            errors.RemoveRange(MaxErrors, more);
            errors.Add(new PolicyError("document", $"{more} more errors not listed; accepted: fix these and submit again"));
        }

        return errors.Count == 0 ? (effective, policy, errors) : (IsServiceName(effective) ? effective : null, null, errors);
    }

    /// <summary>The most errors listed for one document; the rest are counted.</summary>
    public const int MaxErrors = 20;

    /// <summary>Sets configuration paths (<c>clusters:c:override</c>) in a document and returns it as JSON, with each path's value before.</summary>
    /// <remarks>
    /// Paths match case-insensitively, as the reader reads them; a null value removes the path. The result is read the same
    /// way as the original except for the changed paths, so applying the returned previous values undoes the change even
    /// when other paths changed in between.
    /// </remarks>
    public static (string Document, IReadOnlyDictionary<string, string?> Previous) Patch(string text, IReadOnlyDictionary<string, string?> changes)
    {
        var (data, error) = Flatten(text, PolicyDocumentLimits.Default with { MaxBytes = int.MaxValue });
        if (error is not null)
        {
            throw new InvalidOperationException("the stored policy document cannot be read: " + error);
        }

        var previous = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (path, value) in changes)
        {
            previous[path] = data.GetValueOrDefault(path);
            if (value is null)
            {
                data.Remove(path);
            }
            else
            {
                data[path] = value;
            }
        }

        var root = new JsonObject(new JsonNodeOptions { PropertyNameCaseInsensitive = true });
        foreach (var (path, value) in data.OrderBy(d => d.Key, StringComparer.OrdinalIgnoreCase))
        {
            var node = root;
            var segments = path.Split(':');
            foreach (var segment in segments[..^1])
            {
                if (node[segment] is not JsonObject child)
                {
                    node[segment] = child = new JsonObject(new JsonNodeOptions { PropertyNameCaseInsensitive = true });
                }

                node = child;
            }

            node[segments[^1]] = value;
        }

        return (root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), previous);
    }

    /// <summary>Whether <paramref name="name"/> is an acceptable service name.</summary>
    public static bool IsServiceName(string? name) => name is not null && ServiceName().IsMatch(name);

    [GeneratedRegex("^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex ServiceName();

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
