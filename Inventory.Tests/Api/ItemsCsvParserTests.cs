using System.Text;
using Inventory.Api.Items;

namespace Inventory.Tests.Api;

/// <summary>The import file's parser on its own: no HTTP, no database.</summary>
public sealed class ItemsCsvParserTests
{
    private static ParsedCsv Parse(string csv) => ItemsCsvParser.Parse(Encoding.UTF8.GetBytes(csv));

    [Fact]
    public void Rows_are_read_by_the_header_names_with_blank_fields_left_out()
    {
        var parsed = Parse("name,sku,onHand,reorderPoint\n Bolt ,B-1,99,4\nNut,N-1,,\n");

        Assert.Empty(parsed.Errors);
        Assert.False(parsed.TooManyRows);
        Assert.Equal(
            [("B-1", "Bolt", (int?)4), ("N-1", "Nut", null)],
            parsed.Rows.Select(r => (r.Sku, r.Name, r.ReorderPoint)));
    }

    [Fact]
    public void Header_and_row_problems_are_reported_with_spreadsheet_row_numbers()
    {
        Assert.Contains(Parse("sku,colour\nB-1,red\n").Errors, e => (e.Row, e.Column) == (1, "colour"));
        Assert.Contains(Parse("sku,colour\nB-1,red\n").Errors, e => (e.Row, e.Column) == (1, "name"));

        var errors = Parse("sku,name,reorderPoint\nB-1,Bolt,x\nb-1,Bolt again,1\n").Errors;
        Assert.Contains(errors, e => (e.Row, e.Column) == (2, "reorderPoint"));
        Assert.Contains(errors, e => (e.Row, e.Column) == (3, "sku"));
    }

    [Fact]
    public void An_empty_file_and_a_header_alone_are_refused()
    {
        Assert.Contains(Parse("").Errors, e => e.Row == 1);
        Assert.Contains(Parse("sku,name\n").Errors, e => e.Row == 2);
    }

    [Fact]
    public void More_rows_than_an_import_takes_are_flagged()
    {
        var csv = new StringBuilder("sku,name\n");
        for (var i = 0; i <= ItemsCsvParser.MaxImportRows; i++)
        {
            csv.Append($"S-{i},Item {i}\n");
        }

        Assert.True(Parse(csv.ToString()).TooManyRows);
    }
}
