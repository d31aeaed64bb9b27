using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Hosting.Internal;
using Mesh.Heal.ControlPlane.Resources;
using Mesh.Heal.Healing;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Logs.Internal;

/// <summary>Checks <c>ControlPlane:Logs</c>: ingest limits, the analyzer, and each service's log source and repository
/// (pod logs need an API server from <c>ControlPlane:Kubernetes</c>).</summary>
internal sealed class LogOptionsValidator(IEnumerable<IConfigureOptions<KubernetesOptions>> kubernetes) : IValidateOptions<LogOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, LogOptions options) => Check(options, OptionsErrors.Configured(kubernetes)).Result();

    /// <summary>Every rule of <see cref="LogOptions"/>.</summary>
    public static OptionsErrors Check(LogOptions logs, KubernetesOptions kubernetes)
    {
        const string Section = ControlPlaneSections.Logs;
        var errors = new OptionsErrors();
        errors.Range(Section + ":MaxBatchLines", logs.MaxBatchLines, 1, 100_000);
        errors.Range(Section + ":MaxLineBytes", logs.MaxLineBytes, 256, 1024 * 1024);
        errors.Range(Section + ":MaxServices", logs.MaxServices, 1, 100_000);
        errors.Duration(Section + ":PollInterval", logs.PollInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        errors.Duration(Section + ":RepositoryRefresh", logs.RepositoryRefresh, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        var analyzer = logs.Analyzer;
        errors.Duration(Section + ":Analyzer:Bucket", analyzer.Bucket, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        errors.Duration(Section + ":Analyzer:BurstWindow", analyzer.BurstWindow, analyzer.Bucket, TimeSpan.FromDays(1));
        errors.Duration(Section + ":Analyzer:BaselineWindow", analyzer.BaselineWindow, analyzer.Bucket, TimeSpan.FromDays(7));
        if (!(analyzer.Miner.SimilarityThreshold is >= 0 and <= 1))
        {
            errors.Add(Section + ":Analyzer:Miner:SimilarityThreshold", $"{analyzer.Miner.SimilarityThreshold} is out of range; accepted: 0 to 1");
        }

        errors.Range(Section + ":Analyzer:Miner:PrefixTokens", analyzer.Miner.PrefixTokens, 0, 10);
        errors.Range(Section + ":Analyzer:MaximumClusters", analyzer.MaximumClusters, 1, 100_000);
        foreach (var (service, settings) in logs.Services)
        {
            var prefix = $"{Section}:Services:{service}";
            if (!AgentOutputValidator.IsName(service))
            {
                errors.Add(prefix, $"'{service}' is not a service name; accepted: {AgentOutputValidator.NameRule}");
            }

            if (settings.Kubernetes is { } pods)
            {
                if (string.IsNullOrWhiteSpace(pods.Selector))
                {
                    errors.Add(prefix + ":Kubernetes:Selector", "is empty; accepted: a label selector such as app=orders");
                }

                if (!kubernetes.InCluster && string.IsNullOrEmpty(kubernetes.Server))
                {
                    errors.Add(prefix + ":Kubernetes", $"needs {ControlPlaneSections.Kubernetes}:Server or {ControlPlaneSections.Kubernetes}:InCluster true");
                }
            }

            if (settings.Repository is { } repository)
            {
                Repository(prefix + ":Repository", repository, errors);
            }
        }

        return errors;
    }

    private static void Repository(string prefix, RepositoryOptions repository, OptionsErrors errors)
    {
        var hasPath = repository.Path is { Length: > 0 };
        var hasUrl = repository.Url is { Length: > 0 };
        if (hasPath == hasUrl)
        {
            errors.Add(prefix, "needs exactly one of Path and Url; accepted: Path, a local git repository, or Url, a clone URL");
        }
        else if (hasPath && !Directory.Exists(Path.Combine(repository.Path!, ".git")) && !File.Exists(Path.Combine(repository.Path!, ".git")))
        {
            errors.Add(prefix + ":Path", $"'{repository.Path}' is not a git repository; accepted: the root of a git working tree");
        }

        if (string.IsNullOrWhiteSpace(repository.BaseBranch) || repository.BaseBranch.StartsWith('-'))
        {
            errors.Add(prefix + ":BaseBranch", $"'{repository.BaseBranch}' is not accepted; accepted: a branch name such as main");
        }

        errors.Duration(prefix + ":BuildTimeout", repository.BuildTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        if (repository.GitHub is not { } github)
        {
            return;
        }

        if (github.Owner.Length == 0 || github.Repository.Length == 0)
        {
            errors.Add(prefix + ":GitHub", "needs Owner and Repository; accepted: the owner and name of the GitHub repository");
        }

        if (github.Token.Length == 0)
        {
            errors.Add(prefix + ":GitHub:Token", "is empty; accepted: a token, env:NAME or file:/path");
        }

        if (github.ApiUrl is { Length: > 0 } api && !(Uri.TryCreate(api, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            errors.Add(prefix + ":GitHub:ApiUrl", $"'{api}' is not accepted; accepted: an http:// or https:// URL");
        }

        if (hasPath && repository.Remote is not { Length: > 0 })
        {
            errors.Add(prefix + ":Remote", "is empty but GitHub is set: a pull request needs its branch pushed; accepted: the remote of the GitHub repository, such as origin");
        }
    }
}
