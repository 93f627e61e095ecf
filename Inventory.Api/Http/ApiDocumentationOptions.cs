namespace Inventory.Api.Http;

/// <summary>
/// Whether <c>/openapi/v1.json</c> and <c>/scalar</c> are served (section <c>ApiDocumentation</c>, env
/// <c>ApiDocumentation__Public=true|false</c>). Unset: served in every environment but Production.
/// </summary>
public sealed class ApiDocumentationOptions
{
    public const string Section = "ApiDocumentation";

    public bool? Public { get; set; }

    public bool IsPublicIn(IHostEnvironment environment) => Public ?? !environment.IsProduction();
}
