using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;

namespace Inventory.Api.Paging;

/// <summary>
/// <c>limit</c> (1–200, default 50) and the opaque <c>cursor</c> a previous page returned as <c>nextCursor</c>.
/// </summary>
public sealed class PageQuery
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    [Range(1, MaxLimit)]
    [FromQuery(Name = "limit")]
    public int? Limit { get; init; }

    [StringLength(1024)]
    [FromQuery(Name = "cursor")]
    public string? Cursor { get; init; }
}