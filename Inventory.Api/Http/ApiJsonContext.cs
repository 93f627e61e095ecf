using System.Text.Json;
using System.Text.Json.Serialization;
using Inventory.Api.Items;
using Inventory.Api.Locations;
using Inventory.Api.Reports;
using Inventory.Api.Stock;
using Inventory.Api.Versioning;

namespace Inventory.Api.Http;

/// <summary>
/// Serializers generated at build time for the API's responses: written field by field straight to the output,
/// without the reflection-built metadata and boxing of the default serializer (the busiest GETs spend a large part of
/// their CPU writing JSON). The options match the API's (<see cref="ApiJsonExtensions.AddApiJson"/>: web defaults,
/// strict numbers, no DictionaryKeyPolicy), which is what lets System.Text.Json use the generated fast path.
/// Request bodies and other types still go through the default resolver behind this one in the chain.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(ItemPage))]
[JsonSerializable(typeof(ItemResponse))]
[JsonSerializable(typeof(ImportSummary))]
[JsonSerializable(typeof(List<LocationSummary>))]
[JsonSerializable(typeof(LocationResponse))]
[JsonSerializable(typeof(StockMovementResponse))]
[JsonSerializable(typeof(StockMovementPage))]
[JsonSerializable(typeof(LowStockReport))]
[JsonSerializable(typeof(BuildInfo))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
