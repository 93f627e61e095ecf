namespace Inventory.AppHost.Postgres;

/// <summary>The machine's own PostgreSQL server programs (<c>initdb</c>, <c>postgres</c>, <c>pg_ctl</c>).</summary>
public sealed record LocalPostgresBinaries(string Directory)
{
    private static readonly string[] Programs = ["initdb", "postgres", "pg_ctl"];

    public string InitDb => Path.Combine(Directory, "initdb");
    public string Postgres => Path.Combine(Directory, "postgres");
    public string PgCtl => Path.Combine(Directory, "pg_ctl");

    /// <summary>
    /// Looks in <paramref name="explicitDirectory"/> only when given; otherwise on PATH, then in the newest
    /// <c>/usr/lib/postgresql/*/bin</c> (Debian and Ubuntu keep the server programs there, off PATH).
    /// </summary>
    public static LocalPostgresBinaries? Find(string? explicitDirectory)
    {
        IEnumerable<string> candidates = explicitDirectory is { Length: > 0 }
            ? [explicitDirectory]
            : PathDirectories().Concat(DebianDirectories());

        return candidates.Where(HasAllPrograms).Select(d => new LocalPostgresBinaries(d)).FirstOrDefault();
    }

    private static string[] PathDirectories() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);

    private static IEnumerable<string> DebianDirectories()
    {
        const string root = "/usr/lib/postgresql";
        if (!System.IO.Directory.Exists(root))
        {
            return [];
        }
        return System.IO.Directory.GetDirectories(root)
            .Select(d => (Dir: Path.Combine(d, "bin"), Major: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
            .OrderByDescending(x => x.Major)
            .Select(x => x.Dir);
    }

    private static bool HasAllPrograms(string directory) =>
        Programs.All(p => File.Exists(Path.Combine(directory, p)));
}
