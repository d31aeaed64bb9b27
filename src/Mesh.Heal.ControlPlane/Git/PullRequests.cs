using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Logs;
using Octokit;

namespace Mesh.Heal.ControlPlane.Git;

/// <summary>Opens and closes pull requests through the GitHub REST API (Octokit): <c>POST /repos/{owner}/{repo}/pulls</c>,
/// <c>PATCH /repos/{owner}/{repo}/pulls/{number}</c>, and a comment on close (<c>POST /repos/{owner}/{repo}/issues/{number}/comments</c>).</summary>
/// <remarks>Nothing here merges: Mesh.Heal has no call that would.</remarks>
internal static class PullRequests
{
    /// <summary>Opens a pull request of <paramref name="head"/> into <paramref name="baseBranch"/>; returns its number and page.</summary>
    /// <exception cref="ActuatorException">GitHub refused it or could not be reached.</exception>
    public static async Task<(int Number, string Url)> OpenAsync(GitHubOptions settings, string head, string baseBranch, string title, string body)
    {
        var client = Client(settings);
        try
        {
            var pull = await client.PullRequest.Create(settings.Owner, settings.Repository, new NewPullRequest(title, head, baseBranch) { Body = body });
            return (pull.Number, pull.HtmlUrl ?? string.Empty);
        }
        catch (ApiException ex)
        {
            throw new ActuatorException($"git: GitHub refused the pull request of {head} into {settings.Owner}/{settings.Repository}:{baseBranch}: HTTP {(int)ex.StatusCode}: {ex.ApiError?.Message ?? ex.Message}");
        }
        catch (HttpRequestException ex)
        {
            throw new ActuatorException($"git: GitHub could not be reached: {ex.Message}");
        }
    }

    /// <summary>Comments <paramref name="comment"/> on pull request <paramref name="number"/> and closes it.</summary>
    public static async Task CloseAsync(GitHubOptions settings, int number, string comment)
    {
        var client = Client(settings);
        try
        {
            await client.Issue.Comment.Create(settings.Owner, settings.Repository, number, comment);
            await client.PullRequest.Update(settings.Owner, settings.Repository, number, new PullRequestUpdate { State = ItemState.Closed });
        }
        catch (ApiException ex)
        {
            throw new ActuatorException($"git: GitHub refused to close pull request #{number} of {settings.Owner}/{settings.Repository}: HTTP {(int)ex.StatusCode}: {ex.ApiError?.Message ?? ex.Message}");
        }
        catch (HttpRequestException ex)
        {
            throw new ActuatorException($"git: GitHub could not be reached: {ex.Message}");
        }
    }

    private static GitHubClient Client(GitHubOptions settings)
    {
        var product = new ProductHeaderValue("Mesh.Heal");
        var client = settings.ApiUrl is { Length: > 0 } api ? new GitHubClient(product, new Uri(api)) : new GitHubClient(product);
        client.Credentials = new Credentials(Token(settings.Token));
        return client;
    }

    private static string Token(string token) =>
        token.StartsWith("env:", StringComparison.Ordinal) ? Environment.GetEnvironmentVariable(token[4..]) ?? throw new ActuatorException($"git: the environment variable {token[4..]} of GitHub:Token is not set")
        : token.StartsWith("file:", StringComparison.Ordinal) ? File.ReadAllText(token[5..]).Trim()
        : token;
}
