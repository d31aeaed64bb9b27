using Mesh.Heal.ControlPlane.Hosting.Internal;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Mesh.Heal.ControlPlane.Store.Internal;

/// <summary>Checks <c>ControlPlane:Store</c>: a known provider, and for PostgreSQL a connection string Npgsql can read.</summary>
internal sealed class StoreOptionsValidator : IValidateOptions<StoreOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, StoreOptions options) => Check(options).Result();

    /// <summary>Every rule of <see cref="StoreOptions"/>.</summary>
    public static OptionsErrors Check(StoreOptions options)
    {
        var errors = new OptionsErrors();
        var provider = options.Provider?.Trim() ?? "";
        if (!string.Equals(provider, StoreConstants.Sqlite, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(provider, StoreConstants.Postgres, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add(StoreConstants.Section + ":Provider", $"'{options.Provider}' is not a store provider; accepted: sqlite, postgres");
        }
        else if (options.ProviderKind == StoreProvider.Postgres)
        {
            const string Field = StoreConstants.Section + ":ConnectionString";
            if (string.IsNullOrWhiteSpace(options.ConnectionString))
            {
                errors.Add(Field, "is empty but the provider is postgres; accepted: an Npgsql connection string such as Host=db;Database=meshheal;Username=meshheal;Password=...");
            }
            else
            {
                try
                {
                    var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
                    if (string.IsNullOrWhiteSpace(builder.Host))
                    {
                        errors.Add(Field, "names no Host; accepted: an Npgsql connection string such as Host=db;Database=meshheal;Username=meshheal;Password=...");
                    }
                }
                catch (ArgumentException ex)
                {
                    errors.Add(Field, $"cannot be read ({ex.Message}); accepted: an Npgsql connection string such as Host=db;Database=meshheal;Username=meshheal;Password=...");
                }
            }
        }

        if (options.ReplicaId is { } replica && (replica.Length > 200 || replica.Any(char.IsControl)))
        {
            errors.Add(StoreConstants.Section + ":ReplicaId", "is not accepted; accepted: up to 200 printable characters, or empty for <machine>-<pid>-<random>");
        }

        errors.Duration(StoreConstants.Section + ":StartTimeout", options.StartTimeout, TimeSpan.Zero, StoreConstants.MaxStartTimeout);
        return errors;
    }
}
