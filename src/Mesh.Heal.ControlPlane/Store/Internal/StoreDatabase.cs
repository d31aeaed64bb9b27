using System.Data.Common;

namespace Mesh.Heal.ControlPlane.Store.Internal;

/// <summary>What differs between the databases behind <see cref="MeshStore"/>: connections and transactions, migrations,
/// and the few spellings of SQL that are not portable.</summary>
/// <remarks><see cref="MeshStore"/> holds the logic and the portable SQL, with parameters written <c>@name</c>.</remarks>
internal abstract class StoreDatabase : IDisposable
{
    /// <summary>Which database this is.</summary>
    public abstract StoreProvider Provider { get; }

    /// <summary>The database for people: the SQLite file, or PostgreSQL's host, port and database (never the password).</summary>
    public abstract string Description { get; }

    /// <summary>The SQL function of the larger of two values: <c>MAX</c> in SQLite, <c>GREATEST</c> in PostgreSQL.</summary>
    public abstract string Greatest { get; }

    /// <summary>Appended to a <c>SELECT</c> that locks the rows it reads until the transaction ends (nothing in SQLite, whose writer holds the whole file).</summary>
    public abstract string ForUpdate { get; }

    /// <summary>Whether array parameters and <c>unnest</c> are there, so a batch of rows can be one statement.</summary>
    public abstract bool SupportsArrays { get; }

    /// <summary>Runs <paramref name="body"/> on a connection outside any transaction.</summary>
    public abstract T Run<T>(Func<DbConnection, T> body);

    /// <summary>Runs <paramref name="body"/> in one transaction on one connection, committed when it returns.</summary>
    /// <remarks>PostgreSQL runs the body again (up to a few times) when the server aborts it for a deadlock or a serialization failure.</remarks>
    public abstract T InTransaction<T>(Func<DbConnection, DbTransaction, T> body);

    /// <summary>Runs the migrations not yet applied; safe when several processes open the same database at once.</summary>
    public abstract void Migrate();

    /// <summary>How many migrations have run.</summary>
    public abstract int SchemaVersion();

    /// <summary>Throws a <see cref="DbException"/> (or <see cref="InvalidOperationException"/>, <see cref="ObjectDisposedException"/>) when the database cannot be read and written now.</summary>
    public abstract void Check();

    /// <summary>A parameter for a command; a null value is sent as a typed null (text in PostgreSQL).</summary>
    public abstract DbParameter Parameter(string name, object? value);

    /// <inheritdoc/>
    public abstract void Dispose();
}
