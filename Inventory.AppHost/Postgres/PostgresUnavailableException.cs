namespace Inventory.AppHost.Postgres;

/// <summary>PostgreSQL cannot be provided; the message tells the developer what to do. Printed as one line.</summary>
public sealed class PostgresUnavailableException(string message) : Exception(message);