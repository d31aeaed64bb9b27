using System.Globalization;
using Mesh.Heal.Policy;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Mesh.Heal.Sidecar.Configuration.Internal;

/// <summary>Checks the <c>ReverseProxy</c> section of a configuration file before it is put in force.</summary>
/// <remarks>
/// YARP accepts a route to a cluster that does not exist (every request then gets 503) and a destination address that
/// is not a URL (every request fails over to the fallback), and it drops a section it cannot read with only a log line,
/// so a live edit could take every route away. These are refused here, each error naming its setting, so that the
/// configuration in force stays. Duplicate route or cluster ids cannot get this far: the JSON reader refuses a
/// duplicate key, ignoring case, as configuration keys do.
/// </remarks>
internal static class ProxyConfigValidator
{
    private const string Root = "ReverseProxy";

    private static readonly string[] LoadBalancingPolicies = ["PowerOfTwoChoices", "FirstAlphabetical", "Random", "RoundRobin", "LeastRequests"];

    public static IReadOnlyList<PolicyError> Validate(IConfiguration configuration)
    {
        var errors = new List<PolicyError>();
        var proxy = configuration.GetSection(Root);
        if (!proxy.Exists())
        {
            return errors;
        }

        if (proxy.Value is not null)
        {
            errors.Add(new PolicyError(Root, "is a value; accepted: an object with Routes and Clusters"));
            return errors;
        }

        var clusters = proxy.GetSection("Clusters");
        var clusterIds = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (IsObject(clusters, errors, "an object of clusters by id"))
        {
            foreach (var cluster in clusters.GetChildren())
            {
                if (string.IsNullOrWhiteSpace(cluster.Key))
                {
                    errors.Add(new PolicyError(cluster.Path, "has an empty cluster id; accepted: a non-empty name such as backend"));
                    continue;
                }

                clusterIds.Add(cluster.Key);
                ValidateCluster(cluster, errors);
            }
        }

        var routes = proxy.GetSection("Routes");
        if (IsObject(routes, errors, "an object of routes by id"))
        {
            foreach (var route in routes.GetChildren())
            {
                if (string.IsNullOrWhiteSpace(route.Key))
                {
                    errors.Add(new PolicyError(route.Path, "has an empty route id; accepted: a non-empty name such as all"));
                    continue;
                }

                ValidateRoute(route, clusterIds, errors);
            }
        }

        return errors;
    }

    private static void ValidateRoute(IConfigurationSection route, HashSet<string> clusterIds, List<PolicyError> errors)
    {
        if (!IsObject(route, errors, "an object with ClusterId and Match", listed: true))
        {
            return;
        }

        if (route["RouteId"] is not null)
        {
            errors.Add(new PolicyError(route.Path + ":RouteId", "is not read; accepted: the route id as the object's name (Routes: { \"id\": { ... } })"));
        }

        var clusterId = Scalar(route, "ClusterId", errors);
        if (string.IsNullOrWhiteSpace(clusterId))
        {
            errors.Add(new PolicyError(route.Path + ":ClusterId", "is missing; accepted: the id of a cluster under ReverseProxy:Clusters"));
        }
        else if (!clusterIds.Contains(clusterId))
        {
            errors.Add(new PolicyError(route.Path + ":ClusterId", $"'{Shorten(clusterId)}' is not a cluster; accepted: one of {List(clusterIds)}"));
        }

        CheckInt(route, "Order", int.MinValue, int.MaxValue, errors);
        CheckInt(route, "MaxRequestBodySize", -1, long.MaxValue, errors);
        CheckTimeSpan(route, "Timeout", errors);

        var match = route.GetSection("Match");
        if (!match.Exists())
        {
            errors.Add(new PolicyError(match.Path, "is missing; accepted: an object with Path and/or Hosts"));
            return;
        }

        if (!IsObject(match, errors, "an object with Path and/or Hosts"))
        {
            return;
        }

        var path = Scalar(match, "Path", errors);
        var hosts = match.GetSection("Hosts");
        if (string.IsNullOrWhiteSpace(path) && !hosts.GetChildren().Any())
        {
            errors.Add(new PolicyError(match.Path, "has neither Path nor Hosts; accepted: a Path such as /orders/{**rest}, or Hosts"));
        }

        if (!string.IsNullOrWhiteSpace(path))
        {
            try
            {
                RoutePatternFactory.Parse(path);
            }
            catch (RoutePatternException ex)
            {
                errors.Add(new PolicyError(match.Path + ":Path", $"'{Shorten(path)}' is not a route pattern ({ex.Message}); accepted: a pattern such as /orders/{{**rest}}"));
            }
        }

        foreach (var host in ListOfScalars(hosts, errors))
        {
            if (string.IsNullOrWhiteSpace(host.Value) || host.Value.Any(c => c is <= ' ' or > '~' or '/'))
            {
                errors.Add(new PolicyError(host.Path, $"'{Shorten(host.Value ?? string.Empty)}' is not a host; accepted: a host name, *.example.com or host:port"));
            }
        }

        foreach (var method in ListOfScalars(match.GetSection("Methods"), errors))
        {
            if (string.IsNullOrEmpty(method.Value) || !method.Value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                errors.Add(new PolicyError(method.Path, $"'{Shorten(method.Value ?? string.Empty)}' is not an HTTP method; accepted: GET, POST, ..."));
            }
        }

        foreach (var name in new[] { "Headers", "QueryParameters" })
        {
            var list = match.GetSection(name);
            if (list.Value is not null)
            {
                errors.Add(new PolicyError(list.Path, "is a value; accepted: a list of objects with Name"));
                continue;
            }

            foreach (var item in list.GetChildren())
            {
                if (string.IsNullOrWhiteSpace(Scalar(item, "Name", errors)))
                {
                    errors.Add(new PolicyError(item.Path + ":Name", "is missing; accepted: the header or query parameter name"));
                }
            }
        }
    }

    private static void ValidateCluster(IConfigurationSection cluster, List<PolicyError> errors)
    {
        if (!IsObject(cluster, errors, "an object with Destinations", listed: true))
        {
            return;
        }

        if (Scalar(cluster, "LoadBalancingPolicy", errors) is { Length: > 0 } policy
            && !LoadBalancingPolicies.Contains(policy, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add(new PolicyError(cluster.Path + ":LoadBalancingPolicy", $"'{Shorten(policy)}' is not a policy; accepted: {string.Join(", ", LoadBalancingPolicies)}"));
        }

        CheckTimeSpan(cluster.GetSection("HttpRequest"), "ActivityTimeout", errors);
        CheckInt(cluster.GetSection("HttpClient"), "MaxConnectionsPerServer", 1, int.MaxValue, errors);
        CheckBool(cluster.GetSection("HttpClient"), "DangerousAcceptAnyServerCertificate", errors);

        var destinations = cluster.GetSection("Destinations");
        if (!IsObject(destinations, errors, "an object of destinations by id"))
        {
            return;
        }

        foreach (var destination in destinations.GetChildren())
        {
            if (!IsObject(destination, errors, "an object with Address", listed: true))
            {
                continue;
            }

            var address = Scalar(destination, "Address", errors);
            if (string.IsNullOrWhiteSpace(address))
            {
                errors.Add(new PolicyError(destination.Path + ":Address", "is missing; accepted: an absolute http:// or https:// URL"));
            }
            else
            {
                CheckUrl(destination.Path + ":Address", address, errors);
            }

            if (Scalar(destination, "Health", errors) is { Length: > 0 } health)
            {
                CheckUrl(destination.Path + ":Health", health, errors);
            }
        }
    }

    private static void CheckUrl(string field, string value, List<PolicyError> errors)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            errors.Add(new PolicyError(field, $"'{Shorten(value)}' is not an address; accepted: an absolute http:// or https:// URL such as http://127.0.0.1:8080/"));
        }
    }

    private static void CheckInt(IConfigurationSection section, string key, long min, long max, List<PolicyError> errors)
    {
        if (Scalar(section, key, errors) is { } text
            && (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max))
        {
            errors.Add(new PolicyError(section.Path + ":" + key, $"'{Shorten(text)}' is not a whole number in range; accepted: {min} to {max}"));
        }
    }

    private static void CheckTimeSpan(IConfigurationSection section, string key, List<PolicyError> errors)
    {
        if (Scalar(section, key, errors) is { } text
            && (!TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) || value <= TimeSpan.Zero))
        {
            errors.Add(new PolicyError(section.Path + ":" + key, $"'{Shorten(text)}' is not a duration; accepted: a positive hh:mm:ss such as 00:00:30"));
        }
    }

    private static void CheckBool(IConfigurationSection section, string key, List<PolicyError> errors)
    {
        if (Scalar(section, key, errors) is { } text && !bool.TryParse(text, out _))
        {
            errors.Add(new PolicyError(section.Path + ":" + key, $"'{Shorten(text)}' is not a boolean; accepted: true or false"));
        }
    }

    /// <summary>The value at <paramref name="key"/>, or null when absent; an object or array there is an error.</summary>
    private static string? Scalar(IConfigurationSection section, string key, List<PolicyError> errors)
    {
        var child = section.GetSection(key);
        if (child.Value is null && child.GetChildren().Any())
        {
            errors.Add(new PolicyError(child.Path, "is an object or a list; accepted: a single value"));
            return null;
        }

        return child.Value;
    }

    private static bool IsObject(IConfigurationSection section, List<PolicyError> errors, string accepted, bool listed = false)
    {
        // An empty object or list in JSON reads as an empty value: an object with nothing in it.
        if (section.Value is { Length: > 0 })
        {
            errors.Add(new PolicyError(section.Path, $"is a value; accepted: {accepted}"));
            return false;
        }

        // An item listed by its parent is there even when it is null: an object with nothing in it.
        return listed || section.Exists();
    }

    private static IEnumerable<IConfigurationSection> ListOfScalars(IConfigurationSection list, List<PolicyError> errors)
    {
        if (list.Value is { Length: > 0 })
        {
            errors.Add(new PolicyError(list.Path, "is a value; accepted: a list of values"));
            yield break;
        }

        foreach (var item in list.GetChildren())
        {
            if (item.Value is null && item.GetChildren().Any())
            {
                errors.Add(new PolicyError(item.Path, "is an object or a list; accepted: a single value"));
                continue;
            }

            yield return item;
        }
    }

    private static string List(HashSet<string> ids) => ids.Count == 0 ? "(no clusters defined)" : string.Join(", ", ids.Order(StringComparer.Ordinal));

    private static string Shorten(string value) => value.Length <= 80 ? value : value[..80] + "...";
}
