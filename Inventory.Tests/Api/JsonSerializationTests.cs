using System.IO.Pipelines;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Inventory.Api.Http;
using Inventory.Api.Items;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Inventory.Tests.Api.ApiCalls;

namespace Inventory.Tests.Api;

/// <summary>
/// The responses are written by the serializers generated at build time (<see cref="ApiJsonContext"/>), not only
/// described by them: System.Text.Json silently falls back to its slower metadata-driven writer when the API's options
/// differ from what the generator assumed (a DictionaryKeyPolicy did that unnoticed, at about a tenth of a listing's
/// CPU).
/// </summary>
public sealed class JsonSerializationTests
{
    [Fact]
    public void Every_generated_response_type_is_written_by_its_generated_fast_path()
    {
        var options = ApiSerializerOptions();
        // Internal to System.Text.Json, so read by name; a rename fails here rather than passing unnoticed.
        var fastPath = typeof(JsonTypeInfo).GetProperty(
            "CanUseSerializeHandler", BindingFlags.Instance | BindingFlags.NonPublic);
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

    [Fact]
    public async Task A_full_page_of_ordinary_items_streamed_as_a_response_keeps_the_generated_fast_path()
    {
        var options = ApiSerializerOptions();
        var info = (JsonTypeInfo<ItemPage>)options.GetTypeInfo(typeof(ItemPage));
        // Internal to System.Text.Json: 1 once ten streamed responses were small enough for the fast path, 2 once one
        // was not (then never again for this type).
        var state = typeof(JsonTypeInfo<ItemPage>).GetField("_canUseSerializeHandlerInStreamingState",
            BindingFlags.Instance | BindingFlags.NonPublic);
        Assert.NotNull(state);

        // The largest page a client may ask for, of items like the benchmark's: about 35 KB of JSON.
        var page = new ItemPage(
            Enumerable.Range(1, 200).Select(n => new ItemSummary($"BENCH-{n:D5}", $"Bench item {n:D5}",
                $"Cat{n % 10}", "pcs", n % 20, false, 472_980 + n, DateTimeOffset.UtcNow)).ToList(),
            "eyJzIjoiaXRlbXM6c2t1In0");
        long written = 0;
        for (var i = 0; i < 12; i++)
        {
            var pipe = new Pipe();
            // As ASP.NET Core writes a response: asynchronously, into the response's PipeWriter.
            await JsonSerializer.SerializeAsync(pipe.Writer, page, info, Ct);
            await pipe.Writer.CompleteAsync();
            var read = await pipe.Reader.ReadAsync(Ct);
            written = read.Buffer.Length;
            pipe.Reader.AdvanceTo(read.Buffer.End);
        }

        Assert.InRange(written, 30_000, ApiJsonExtensions.ResponseBufferSize / 2);
        Assert.Equal(1, (int)state.GetValue(info)!);
    }

    /// <summary>
    /// The serializer options the API writes its responses with, as <c>AddApiJson</c> configures them.
    /// </summary>
    private static JsonSerializerOptions ApiSerializerOptions()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.AddApiErrors();
        builder.AddApiJson();
        using var services = builder.Services.BuildServiceProvider();
        var options = services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        options.MakeReadOnly();
        return options;
    }
}
