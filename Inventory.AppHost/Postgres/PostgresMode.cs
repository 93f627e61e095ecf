namespace Inventory.AppHost.Postgres;

/// <summary>
/// Where PostgreSQL comes from: <c>Postgres__Mode</c> = <c>Auto</c> (default), <c>Container</c> or <c>Local</c>.
/// </summary>
internal enum PostgresMode
{
    Auto,
    Container,
    Local,
}