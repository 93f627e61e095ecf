using QRCoder;

namespace Inventory.Api.Portal.Pages.Labels;

/// <summary>
/// A QR code as a PNG <c>data:</c> URI, drawn in process by QRCoder: the page needs no script and no image endpoint,
/// and the portal's Content-Security-Policy allows <c>img-src 'self' data:</c>.
/// </summary>
internal static class QrCodeImage
{
    /// <summary>Pixels per module: about 2.5 cm for a short code at 96 dpi, sharp enough to print.</summary>
    private const int PixelsPerModule = 8;

    public static string PngDataUri(string text)
    {
        // Medium error correction survives a smudged or creased label.
        using var data = QRCodeGenerator.GenerateQrCode(text, QRCodeGenerator.ECCLevel.M);
        using var png = new PngByteQRCode(data);
        return "data:image/png;base64," + Convert.ToBase64String(png.GetGraphic(PixelsPerModule));
    }
}
