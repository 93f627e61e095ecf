using System.Globalization;
using Inventory.Api.Data;
using Inventory.Api.Stock;
using Microsoft.EntityFrameworkCore;

namespace Inventory.Api.Seeding;

/// <summary>
/// A small, realistic catalogue for trying the API: 5 locations, ~200 items in 8 categories, stock received through
/// the ledger (so the books balance), some items below their reorder point. Only into an empty database, so once.
/// </summary>
internal sealed partial class DevelopmentSeeder(
    InventoryDbContext db, StockLedger ledger, TimeProvider time, ILogger<DevelopmentSeeder> logger) : IDatabaseSeeder
{
    public const string Actor = "dev-seed";

    private static readonly (string Code, string Name)[] SeedLocations =
    [
        ("MAIN", "Main warehouse"),
        ("EAST", "East warehouse"),
        ("A-01", "Main warehouse, aisle A, bin 01"),
        ("B-07", "Main warehouse, aisle B, bin 07"),
        ("RETURNS", "Returns and inspection"),
    ];

    private static readonly
        (string Category, string Prefix, string Unit, string[] Products, string[] Variants)[] Catalogue =
    [
        ("Fasteners", "FST", "pcs",
            ["Hex bolt", "Wood screw", "Machine screw", "Flat washer", "Hex nut", "Wall anchor"],
            ["M4", "M5", "M6", "M8", "M10"]),
        ("Electrical", "ELC", "pcs", ["Cable tie", "Wire nut", "Fuse", "Circuit breaker", "Terminal block"],
            ["small", "medium", "large", "10 A", "16 A"]),
        ("Plumbing", "PLB", "pcs", ["PVC elbow", "Ball valve", "Hose clamp", "Pipe coupling", "Teflon tape"],
            ["15 mm", "22 mm", "28 mm", "35 mm", "42 mm"]),
        ("Safety", "SAF", "pair", ["Nitrile gloves", "Safety glasses", "Ear plugs", "Work gloves", "Knee pads"],
            ["S", "M", "L", "XL", "XXL"]),
        ("Packaging", "PKG", "roll", ["Packing tape", "Stretch film", "Bubble wrap", "Kraft paper", "Strapping band"],
            ["48 mm", "50 mm", "75 mm", "100 mm", "500 mm"]),
        ("Tools", "TLS", "pcs", ["Drill bit", "Screwdriver bit", "Saw blade", "Utility blade", "Sanding disc"],
            ["3 mm", "5 mm", "8 mm", "P80", "P120"]),
        ("Office", "OFF", "box", ["Copy paper", "Shipping label", "Marker", "Binder clip", "Envelope"],
            ["A4", "A5", "black", "blue", "C5"]),
        ("Cleaning", "CLN", "l", ["Floor cleaner", "Degreaser", "Hand soap", "Glass cleaner", "Disinfectant"],
            ["1 l", "5 l", "10 l", "refill", "spray"]),
    ];

    public async Task SeedAsync(CancellationToken ct)
    {
        if (await db.Items.AnyAsync(ct) || await db.Locations.AnyAsync(ct))
        {
            return;
        }

        var now = time.DatabaseNow();
        var random = new Random(20261129);
        db.Locations.AddRange(SeedLocations.Select(l =>
            new Location { Code = l.Code, Name = l.Name, CreatedAt = now }));
        var items = Catalogue
            .SelectMany(c => c.Products.SelectMany((product, p) => c.Variants.Select((variant, v) => new Item
            {
                Sku = string.Create(CultureInfo.InvariantCulture, $"{c.Prefix}-{p + 1:00}{v + 1:00}"),
                Name = $"{product}, {variant}",
                Category = c.Category,
                Unit = c.Unit,
                ReorderPoint = random.Next(1, 6) * 10,
                CreatedAt = now,
                UpdatedAt = now,
            })))
            .ToList();
        db.Items.AddRange(items);
        await db.SaveChangesAsync(ct);

        var receipts = 0;
        await ledger.InTransactionAsync(async token =>
        {
            foreach (var item in items)
            {
                // About one item in six ends at or below its reorder point, so the low-stock report has something to
                // say.
                var low = random.Next(6) == 0;
                var total = low ? random.Next(0, item.ReorderPoint + 1) : item.ReorderPoint + random.Next(5, 200);
                var homes = SeedLocations.Take(3).OrderBy(_ => random.Next()).Take(random.Next(1, 3)).ToList();
                for (var i = 0; i < homes.Count && total > 0; i++)
                {
                    var quantity = i == homes.Count - 1 ? total : random.Next(1, total + 1);
                    total -= quantity;
                    await ledger.ReceiveAsync(new StockChangeRequest
                    {
                        Sku = item.Sku, Location = homes[i].Code, Quantity = quantity, Reason = "Opening stock",
                        Reference = "SEED",
                    }, Actor, token);
                    receipts++;
                }
            }
            return receipts;
        }, ct);
        LogSeeded(logger, items.Count, SeedLocations.Length, receipts);
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Information,
        Message = "Seeded the development catalogue: {Items} items, {Locations} locations, {Receipts} receipts.")]
    private static partial void LogSeeded(ILogger logger, int items, int locations, int receipts);
}