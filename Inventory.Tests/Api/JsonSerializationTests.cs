using System.Reflection;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Inventory.Api.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Inventory.Tests.Api;

/// <summary>
/// The responses are written by the serializers generated at build time (<see cref="ApiJsonContext"/>), not only
/// described by them: System.Text.Json silently falls back to its slower metadata-driven writer when the API's options
/// differ from what the generator assumed (a DictionaryKeyPolicy did that unnoticed, at about a tenth of a listing's CPU).
/// </summary>
public sealed class JsonSerializationTests
{
    [Fact]
    public void Every_generated_response_type_is_written_by_its_generated_fast_path()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.AddApiErrors();
        using var services = builder.Services.BuildServiceProvider();
        var options = services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        options.MakeReadOnly();
        // Internal to System.Text.Json, so read by name; a rename fails here rather than passing unnoticed.
        var fastPath = typeof(JsonTypeInfo).GetProperty("CanUseSerializeHandler", BindingFlags.Instance | BindingFlags.NonPublic);
        Assert.NotNull(fastPath);

        var types = typeof(ApiJsonContext).GetCustomAttributesData()
            .Where(a => a.AttributeType == typeof(JsonSerializableAttribute))
            .Select(a => (Type)a.ConstructorArguments[0].Value!)
            .ToList();
        Assert.NotEmpty(types);
        foreach (var type in types)
        {
            var info = options.GetTypeInfo(type);
            Assert.Same(ApiJsonContext.Default, info.OriginatingResolver);
            Assert.True((bool)fastPath.GetValue(info)!, $"{type.Name} is serialized without its generated fast path");
        }
    }
}
