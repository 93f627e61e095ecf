using System.Net.Http.Json;
using System.Text.Json;
using Inventory.Tests.Infrastructure.ApiTests;
using Inventory.Tests.Infrastructure.PortalTests;
using Microsoft.Playwright;
using ZXing;
using ZXing.Common;
using ZXing.QrCode;

namespace Inventory.Tests.Portal;

/// <summary>
/// The label pages: a QR code that a reader decodes (ZXing, not the library that drew it) to the item's SKU or the
/// location's code, the code and name in letters, and the portal's 404 for an unknown one.
/// </summary>
[Collection(PortalTestGroup.Name)]
public sealed class LabelPageTests(PortalFixture portal)
{
    [Fact]
    public async Task An_items_label_has_a_qr_code_of_its_sku()
    {
        using var api = PortalData.AdminApi(portal);
        var sku = await PortalData.CreateItemAsync(api, "LBL", name: "Hex bolt M8");
        var (page, _) = await portal.NewSignedInPageAsync("Reader");

        await page.GotoAsync($"/labels/items/{sku}");
        Assert.Equal(sku, await DecodeQrAsync(page));
        await Assertions.Expect(page.Locator(".label")).ToContainTextAsync(sku);
        await Assertions.Expect(page.Locator(".label")).ToContainTextAsync("Hex bolt M8");
        await PortalAssert.NoAxeViolationsAsync(page);
        await PortalScreenshots.AttachAsync(page, "label-item");

        // Printed, only the label remains: the portal's navigation is hidden.
        await page.EmulateMediaAsync(new() { Media = Media.Print });
        await Assertions.Expect(page.Locator("nav").First).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator(".label")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_locations_label_has_a_qr_code_of_its_code()
    {
        using var api = PortalData.AdminApi(portal);
        var code = ApiFixture.Unique("SHELF").ToUpperInvariant();
        using (var created = await api.PostAsJsonAsync("/api/locations", new { code, name = "Shelf by the door" },
                   TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        var (page, _) = await portal.NewSignedInPageAsync("Reader");

        await page.GotoAsync($"/labels/locations/{code.ToLowerInvariant()}");
        Assert.Equal(code, await DecodeQrAsync(page));
        await Assertions.Expect(page.Locator(".label")).ToContainTextAsync("Shelf by the door");
        await PortalAssert.NoAxeViolationsAsync(page);
        await PortalScreenshots.AttachAsync(page, "label-location");
    }

    [Fact]
    public async Task An_unknown_sku_or_code_is_the_portals_404()
    {
        var (page, _) = await portal.NewSignedInPageAsync("Reader");
        var item = await page.GotoAsync("/labels/items/NO-SUCH-SKU-123");
        Assert.Equal(404, item!.Status);
        await Assertions.Expect(page.Locator(".label")).ToHaveCountAsync(0);
        var location = await page.GotoAsync("/labels/locations/NO-SUCH-PLACE");
        Assert.Equal(404, location!.Status);
    }

    /// <summary>
    /// The QR code as the browser rendered it: its pixels read back from a canvas, decoded by ZXing.
    /// </summary>
    private static async Task<string> DecodeQrAsync(IPage page)
    {
        var image = await page.EvaluateAsync<JsonElement>("""
            () => {
                const img = document.querySelector('img.label-qr');
                const canvas = document.createElement('canvas');
                canvas.width = img.naturalWidth;
                canvas.height = img.naturalHeight;
                const context = canvas.getContext('2d');
                context.drawImage(img, 0, 0);
                const rgba = context.getImageData(0, 0, canvas.width, canvas.height).data;
                const gray = [];
                for (let i = 0; i < rgba.length; i += 4) gray.push(rgba[i]);
                return { width: canvas.width, height: canvas.height, gray };
            }
            """);
        var pixels = image.GetProperty("gray").EnumerateArray().Select(v => v.GetByte()).ToArray();
        var source = new RGBLuminanceSource(pixels, image.GetProperty("width").GetInt32(),
            image.GetProperty("height").GetInt32(), RGBLuminanceSource.BitmapFormat.Gray8);
        var result = new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(source)));
        Assert.NotNull(result);
        return result.Text;
    }
}
