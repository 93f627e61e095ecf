using System.Linq.Expressions;
using Inventory.Api.Data;
using Inventory.Api.Paging;
using Inventory.Api.Reports;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Inventory.Api.Items;

/// <summary>The SQL that reads items and the mapping of its rows to the API's records.</summary>
internal static class ItemQueries
{
    /// <summary>
    /// One page of the item list as the query asks (filters, sort, limit, cursor), with the cursor of the next page;
    /// null when the cursor is not one this listing and sort issued. The API's list and the portal's page both use it.
    /// </summary>
    public static async Task<ItemPage?> PageAsync(InventoryDbContext db, ItemListQuery query, CancellationToken ct)
    {
        var sort = query.Sort ?? "sku";
        var scope = sort == "name" ? "items:name" : "items:sku";
        var keys = sort == "name" ? KeysetCursor.NameKeys : KeysetCursor.CodeKeys;
        if (!KeysetCursor.TryDecode(query.Cursor, scope, keys, out var after))
        {
            return null;
        }

        var limit = query.Limit ?? PageQuery.DefaultLimit;
        var page = await ListAsync(db, query, sort, after, limit + 1, ct);
        string? next = null;
        if (page.Count > limit)
        {
            var last = page[limit - 1];
            var key = sort == "name" ? last.Summary.Name : CodeKey.Of(last.Summary.Sku);
            next = KeysetCursor.Encode(scope, key, last.Id);
        }
        return new ItemPage(page.Take(limit).Select(r => r.Summary).ToList(), next);
    }

    /// <summary>
    /// Up to <paramref name="take"/> listed items after <paramref name="after"/>, in <paramref name="sort"/> order:
    /// hand-written SQL without filters, a LINQ query composed from the filters given otherwise.
    /// </summary>
    public static async Task<List<ListedItem>> ListAsync(InventoryDbContext db, ItemListQuery query, string sort,
        KeysetPosition? after, int take, CancellationToken ct)
    {
        var page = new List<ListedItem>(take);
        if (IsUnfiltered(query))
        {
            await ReadUnfilteredPageAsync(db, sort, after, take, page, ct);
            return page;
        }
        var rows = FilteredPage(db, query, sort, after).Take(take).AsAsyncEnumerable();
        await foreach (var row in rows.WithCancellation(ct))
        {
            page.Add(row);
        }
        return page;
    }

    private static bool IsUnfiltered(ItemListQuery query) =>
        query.IncludeArchived != true && string.IsNullOrEmpty(query.Search) && string.IsNullOrEmpty(query.Category)
        && query.LowStock != true;

    /// <summary>The listing with any filter: composed per request from the filters given.</summary>
    private static IQueryable<ListedItem> FilteredPage(InventoryDbContext db, ItemListQuery query, string sort,
        KeysetPosition? after)
    {
        var items = db.Items.AsNoTracking();
        if (query.IncludeArchived != true)
        {
            items = items.Where(i => !i.Archived);
        }
        if (!string.IsNullOrEmpty(query.Search))
        {
            var pattern = $"%{EscapeLike(query.Search)}%";
            items = items.Where(i =>
                EF.Functions.ILike(i.Sku, pattern, "\\") || EF.Functions.ILike(i.Name, pattern, "\\"));
        }
        if (!string.IsNullOrEmpty(query.Category))
        {
            var category = EscapeLike(query.Category);
            items = items.Where(i => i.Category != null && EF.Functions.ILike(i.Category, category, "\\"));
        }
        if (query.LowStock == true)
        {
            items = items.Where(LowStock.IsLow);
        }
        if (after is not null)
        {
            // A row comparison, (key, id) > (@key, @id), lets PostgreSQL start the index scan at the cursor; the
            // equivalent "key > @key OR (key = @key AND id > @id)" made it read and discard every earlier row.
            items = sort == "name"
                ? items.Where(i => EF.Functions.GreaterThan(
                    ValueTuple.Create(i.Name, i.Id), ValueTuple.Create(after.Key, after.Id)))
                : items.Where(i => EF.Functions.GreaterThan(
                    ValueTuple.Create(i.SkuKey, i.Id), ValueTuple.Create(after.Key, after.Id)));
        }
        var ordered = sort == "name"
            ? items.OrderBy(i => i.Name).ThenBy(i => i.Id)
            : items.OrderBy(i => i.SkuKey).ThenBy(i => i.Id);
        return ordered.Select(Listed);
    }

    /// <summary>
    /// The listing without filters — what a client paging through the catalogue asks for, and the busiest — is
    /// hand-written SQL on the context's connection, for the reasons given at <see cref="LoadAsync"/>: the same rows
    /// in the same order as <see cref="FilteredPage"/> gives (ItemListingTests compares the two page by page).
    /// </summary>
    private static async Task ReadUnfilteredPageAsync(InventoryDbContext db, string sort, KeysetPosition? after,
        int take, List<ListedItem> page, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var sql = (sort, after) switch
            {
                ("name", null) => FirstPageByNameSql,
                ("name", _) => NextPageByNameSql,
                (_, null) => FirstPageBySkuSql,
                _ => NextPageBySkuSql,
            };
            await using var command = SqlCommand(db, sql);
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = take });
            if (after is not null)
            {
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = after.Key });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after.Id });
            }
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                page.Add(new ListedItem(reader.GetInt64(0), new ItemSummary(reader.GetString(1), reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4), reader.GetInt32(5),
                    reader.GetBoolean(6), reader.GetInt64(7), reader.GetFieldValue<DateTimeOffset>(8))));
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    // One statement per sort order and page (first, or after a cursor), each prepared once.
    // Why: see "Decision: keyset paging with a row comparison" in Inventory.Api/README.md.
    private static readonly string FirstPageBySkuSql = PageSql("sku_key", afterCursor: false);
    private static readonly string NextPageBySkuSql = PageSql("sku_key", afterCursor: true);
    private static readonly string FirstPageByNameSql = PageSql("name", afterCursor: false);
    private static readonly string NextPageByNameSql = PageSql("name", afterCursor: true);

    private static string PageSql(string key, bool afterCursor) => $"""
        SELECT i.id, i.sku, i.name, i.category, i.unit, i.reorder_point, i.archived,
               (SELECT COALESCE(sum(s.quantity), 0)::bigint FROM stock_levels AS s WHERE s.item_id = i.id),
               i.updated_at
        FROM items AS i
        WHERE NOT i.archived{(afterCursor ? $" AND (i.{key}, i.id) > ($2, $3)" : "")}
        ORDER BY i.{key}, i.id
        LIMIT $1
        """;

    private static readonly Expression<Func<Item, ListedItem>> Listed = i => new ListedItem(i.Id,
        new ItemSummary(i.Sku, i.Name, i.Category, i.Unit, i.ReorderPoint, i.Archived,
            i.StockLevels.Sum(s => s.Quantity), i.UpdatedAt));

    /// <summary>The item with its stock per location and its version, straight from the pool; null if none.</summary>
    public static async Task<(ItemResponse Item, uint Version)?> FindAsync(NpgsqlDataSource database, string sku,
        CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(ItemByKeySql, connection);
        return await ReadItemAsync(command, sku, ct);
    }

    /// <summary>
    /// The item with its stock per location, in one round trip: a row per location holding stock (or one row with no
    /// location when none does), folded here. On hand is the sum of those rows: quantities are never negative
    /// (<c>ck_stock_levels_quantity</c>), so leaving out the empty ones changes no total.
    /// </summary>
    /// <remarks>
    /// The API's busiest read, so it is hand-written SQL rather than a LINQ query, and a GET runs it straight on the
    /// pool (<see cref="FindAsync"/>, on the <see cref="NpgsqlDataSource"/> EF Core also runs on) with no DbContext.
    /// Why: see "Decision: hand-written SQL on the hot paths" in Inventory.Api/README.md.
    /// An update reads the item back here, on the context's connection and in its transaction.
    /// The columns are those of the <c>InitialCreate</c> migration; every GET test reads through here, so a renamed
    /// column fails them.
    /// </remarks>
    public static async Task<(ItemResponse Item, uint Version)?> LoadAsync(InventoryDbContext db, string sku,
        CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = SqlCommand(db, ItemByKeySql);
            return await ReadItemAsync(command, sku, ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Runs <see cref="ItemByKeySql"/> for <paramref name="sku"/> on the command's open connection.</summary>
    private static async Task<(ItemResponse Item, uint Version)?> ReadItemAsync(NpgsqlCommand command, string sku,
        CancellationToken ct)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = CodeKey.Of(sku) });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        // Column by column, in order: the reader then never seeks back in its buffer.
        var (version, itemSku, name) = (reader.GetFieldValue<uint>(0), reader.GetString(1), reader.GetString(2));
        var description = reader.IsDBNull(3) ? null : reader.GetString(3);
        var category = reader.IsDBNull(4) ? null : reader.GetString(4);
        var (unit, reorderPoint, archived) = (reader.GetString(5), reader.GetInt32(6), reader.GetBoolean(7));
        var createdAt = reader.GetFieldValue<DateTimeOffset>(8);
        var updatedAt = reader.GetFieldValue<DateTimeOffset>(9);
        var stock = new List<StockAtLocation>();
        long onHand = 0;
        do
        {
            if (!reader.IsDBNull(10))
            {
                var (location, quantity) = (reader.GetString(10), reader.GetInt64(11));
                stock.Add(new StockAtLocation(location, quantity));
                onHand += quantity;
            }
        }
        while (await reader.ReadAsync(ct));

        return (new ItemResponse(itemSku, name, description, category, unit, reorderPoint, archived, onHand, stock,
            createdAt, updatedAt), version);
    }

    /// <summary>A command on the context's connection, opened by the caller, in its transaction if any.</summary>
    private static NpgsqlCommand SqlCommand(InventoryDbContext db, string sql) =>
        new(sql, (NpgsqlConnection)db.Database.GetDbConnection(),
            (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction());

    /// <summary>Positional (<c>$1</c>), so Npgsql sends it as written; prepared by itself after a few uses.</summary>
    private const string ItemByKeySql = """
        SELECT i.xmin, i.sku, i.name, i.description, i.category, i.unit, i.reorder_point, i.archived, i.created_at,
               i.updated_at, l.code, s.quantity
        FROM items AS i
        LEFT JOIN stock_levels AS s ON s.item_id = i.id AND s.quantity > 0
        LEFT JOIN locations AS l ON l.id = s.location_id
        WHERE i.sku_key = $1
        ORDER BY l.code_key
        """;

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);
}

/// <summary>A row of the listing: the item's id (the keyset tie-breaker) and what the client sees.</summary>
internal sealed record ListedItem(long Id, ItemSummary Summary);
