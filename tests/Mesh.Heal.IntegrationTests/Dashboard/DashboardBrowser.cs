using Microsoft.Playwright;

namespace Mesh.Heal.IntegrationTests.Dashboard;

/// <summary>One headless Debian Chromium per test class, driven by Playwright; never a downloaded browser.</summary>
public sealed class DashboardBrowser : IAsyncLifetime
{
    /// <summary>Debian's Chromium (package <c>chromium</c>), which tests/run.sh installs.</summary>
    public const string Chromium = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowserContext? _context;
    private string? _profile;

    /// <summary>The browser's one context; each test opens its own page (its own sessionStorage).</summary>
    public IBrowserContext Context => _context ?? throw new InvalidOperationException("the browser did not start");

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
        {
            throw new InvalidOperationException(
                $"{Chromium} is missing: the dashboard tests drive Debian's Chromium (never a downloaded one); install it with `apt-get install chromium` (tests/run.sh does, as root)");
        }

        _profile = Directory.CreateTempSubdirectory("meshheal-chromium-").FullName;
        _playwright = await Playwright.CreateAsync();
        _context = await _playwright.Chromium.LaunchPersistentContextAsync(_profile, new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            ViewportSize = new() { Width = 1400, Height = 900 },
        });
    }

    public async Task DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.CloseAsync();
        }

        _playwright?.Dispose();
        if (_profile is not null)
        {
            try
            {
                Directory.Delete(_profile, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
