using Mesh.Heal.Healing;
using Mesh.Heal.Policy;

namespace Mesh.Heal.ControlPlane.Hosting;

/// <summary>The checks of <c>ControlPlane:Logs</c> and <c>ControlPlane:Agents:BugFixer</c>.</summary>
internal static partial class ControlPlaneOptionsValidator
{
    private static void ValidateLogs(ControlPlaneOptions options, List<PolicyError> errors, Action<string, TimeSpan, TimeSpan, TimeSpan> duration, Action<string, long, long, long> range)
    {
        var logs = options.Logs;
        range("ControlPlane:Logs:MaxBatchLines", logs.MaxBatchLines, 1, 100_000);
        range("ControlPlane:Logs:MaxLineBytes", logs.MaxLineBytes, 256, 1024 * 1024);
        range("ControlPlane:Logs:MaxServices", logs.MaxServices, 1, 100_000);
        duration("ControlPlane:Logs:PollInterval", logs.PollInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        duration("ControlPlane:Logs:RepositoryRefresh", logs.RepositoryRefresh, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        var analyzer = logs.Analyzer;
        duration("ControlPlane:Logs:Analyzer:Bucket", analyzer.Bucket, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        duration("ControlPlane:Logs:Analyzer:BurstWindow", analyzer.BurstWindow, analyzer.Bucket, TimeSpan.FromDays(1));
        duration("ControlPlane:Logs:Analyzer:BaselineWindow", analyzer.BaselineWindow, analyzer.Bucket, TimeSpan.FromDays(7));
        if (!(analyzer.Miner.SimilarityThreshold is >= 0 and <= 1))
        {
            errors.Add(new("ControlPlane:Logs:Analyzer:Miner:SimilarityThreshold", $"{analyzer.Miner.SimilarityThreshold} is out of range; accepted: 0 to 1"));
        }

        range("ControlPlane:Logs:Analyzer:Miner:PrefixTokens", analyzer.Miner.PrefixTokens, 0, 10);
        range("ControlPlane:Logs:Analyzer:MaximumClusters", analyzer.MaximumClusters, 1, 100_000);
        foreach (var (service, settings) in logs.Services)
        {
            var prefix = $"ControlPlane:Logs:Services:{service}";
            if (!AgentOutputValidator.IsName(service))
            {
                errors.Add(new(prefix, $"'{service}' is not a service name; accepted: {AgentOutputValidator.NameRule}"));
            }

            if (settings.Kubernetes is { } pods)
            {
                if (string.IsNullOrWhiteSpace(pods.Selector))
                {
                    errors.Add(new(prefix + ":Kubernetes:Selector", "is empty; accepted: a label selector such as app=orders"));
                }

                if (!options.Kubernetes.InCluster && string.IsNullOrEmpty(options.Kubernetes.Server))
                {
                    errors.Add(new(prefix + ":Kubernetes", "needs ControlPlane:Kubernetes:Server or ControlPlane:Kubernetes:InCluster true"));
                }
            }

            if (settings.Repository is not { } repository)
            {
                continue;
            }

            var hasPath = repository.Path is { Length: > 0 };
            var hasUrl = repository.Url is { Length: > 0 };
            if (hasPath == hasUrl)
            {
                errors.Add(new(prefix + ":Repository", "needs exactly one of Path and Url; accepted: Path, a local git repository, or Url, a clone URL"));
            }
            else if (hasPath && !Directory.Exists(Path.Combine(repository.Path!, ".git")) && !File.Exists(Path.Combine(repository.Path!, ".git")))
            {
                errors.Add(new(prefix + ":Repository:Path", $"'{repository.Path}' is not a git repository; accepted: the root of a git working tree"));
            }

            if (string.IsNullOrWhiteSpace(repository.BaseBranch) || repository.BaseBranch.StartsWith('-'))
            {
                errors.Add(new(prefix + ":Repository:BaseBranch", $"'{repository.BaseBranch}' is not accepted; accepted: a branch name such as main"));
            }

            duration(prefix + ":Repository:BuildTimeout", repository.BuildTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
            if (repository.GitHub is { } github)
            {
                if (github.Owner.Length == 0 || github.Repository.Length == 0)
                {
                    errors.Add(new(prefix + ":Repository:GitHub", "needs Owner and Repository; accepted: the owner and name of the GitHub repository"));
                }

                if (github.Token.Length == 0)
                {
                    errors.Add(new(prefix + ":Repository:GitHub:Token", "is empty; accepted: a token, env:NAME or file:/path"));
                }

                if (github.ApiUrl is { Length: > 0 } api && !(Uri.TryCreate(api, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
                {
                    errors.Add(new(prefix + ":Repository:GitHub:ApiUrl", $"'{api}' is not accepted; accepted: an http:// or https:// URL"));
                }

                if (hasPath && repository.Remote is not { Length: > 0 })
                {
                    errors.Add(new(prefix + ":Repository:Remote", "is empty but GitHub is set: a pull request needs its branch pushed; accepted: the remote of the GitHub repository, such as origin"));
                }
            }
        }

        var fixer = options.Agents.BugFixer;
        range("ControlPlane:Agents:BugFixer:MinimumRecent", fixer.MinimumRecent, 1, 1_000_000);
        range("ControlPlane:Agents:BugFixer:MaximumFindings", fixer.MaximumFindings, 1, 1000);
        if (!(fixer.MinimumPatchConfidence is >= 0 and <= 1) || !(fixer.TimeoutFactor is > 1 and <= 10))
        {
            errors.Add(new("ControlPlane:Agents:BugFixer:MinimumPatchConfidence", $"MinimumPatchConfidence {fixer.MinimumPatchConfidence} or TimeoutFactor {fixer.TimeoutFactor} is out of range; accepted: 0 to 1, and above 1 up to 10"));
        }

        if (fixer.BranchPrefix.Length == 0 || fixer.BranchPrefix.StartsWith('-') || fixer.BranchPrefix.Contains(' ', StringComparison.Ordinal))
        {
            errors.Add(new("ControlPlane:Agents:BugFixer:BranchPrefix", $"'{fixer.BranchPrefix}' is not accepted; accepted: a branch name prefix such as meshheal/fix-"));
        }
    }
}
