using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

[assembly: AssemblyFixture(typeof(Inventory.Tests.Infrastructure.SystemTests.ProductImage))]

namespace Inventory.Tests.Infrastructure.SystemTests;

/// <summary>An image built from the repository's <c>Dockerfile</c>, with the build arguments it was given.</summary>
/// <param name="Tag">The image's unique tag on the engine.</param>
public sealed record BuiltImage(string Tag, string Version, string Commit, string Created, string Source);

/// <summary>
/// The product's Docker image, built for real from the repository's <c>Dockerfile</c> — once per test run, on first
/// use (a run that needs no image builds none), with a VERSION and COMMIT unique to the run, so a test that reads
/// them back knows it talks to this build. Everything it builds is removed at the end of the run: each image and
/// its build stage (tagged too, so removing it also removes the layers it alone used).
/// </summary>
public sealed partial class ProductImage : IAsyncDisposable
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(15);
    private const string VariantStage = "variant-stage";

    private readonly Lazy<Task<BuiltImage>> _default;
    private readonly ConcurrentBag<string> _tagsToRemove = [];

    public ProductImage()
    {
        _default = new Lazy<Task<BuiltImage>>(() => BuildAsync(
            // Not SemVer, as a tag may well be (the deploy tags images with the commit id).
            version: $"build-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}",
            commit: Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20))));
    }

    /// <summary>The run's image (built on the first call; the same task for every later caller).</summary>
    public Task<BuiltImage> GetAsync() => _default.Value;

    /// <summary>
    /// Builds another image from the same Dockerfile (another VERSION, say); removed at the end of the run too.
    /// </summary>
    public async Task<BuiltImage> BuildAsync(string version, string commit)
    {
        var repository = DockerCli.UniqueName("api");
        var tag = $"{repository}:image";
        var buildStageTag = $"{repository}:build-stage";
        var created = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        const string source = "https://example.invalid/inventory/inventory";
        string[] buildArguments =
        [
            // Lets NuGet reach its feed from inside this sandbox; harmless where the default network would do.
            "--network", "host",
            "--force-rm",
            "--build-arg", $"VERSION={version}",
            "--build-arg", $"COMMIT={commit}",
            "--build-arg", $"CREATED={created}",
            "--build-arg", $"SOURCE={source}",
        ];

        _tagsToRemove.Add(buildStageTag);
        _tagsToRemove.Add(tag);
        // The build stage first, under its own tag, so that clean-up can find (and remove) it; the second build
        // takes every one of its steps from the cache.
        await BuildStepAsync([.. buildArguments, "--target", "build", "--tag", buildStageTag]);
        await BuildStepAsync([.. buildArguments, "--tag", tag]);
        return new BuiltImage(tag, version, commit, created, source);
    }

    /// <summary>
    /// <paramref name="baseImage"/> with extra source files compiled into the API (test migrations, say), as another
    /// VERSION and COMMIT: its build stage republished with them, onto its runtime image. The product's Dockerfile
    /// stays as it is; the files go into Inventory.Api/Data/Migrations/ under their names.
    /// </summary>
    public async Task<BuiltImage> BuildVariantAsync(
        BuiltImage baseImage, IReadOnlyDictionary<string, string> sources, string version, string commit)
    {
        var context = Directory.CreateTempSubdirectory("inventory-image-variant-");
        try
        {
            foreach (var (name, source) in sources)
            {
                await File.WriteAllTextAsync(Path.Combine(context.FullName, name), source);
            }
            var buildStage = baseImage.Tag.Replace(":image", ":build-stage", StringComparison.Ordinal);
            await File.WriteAllTextAsync(Path.Combine(context.FullName, "Dockerfile"), $"""
                FROM {buildStage} AS build
                ARG VERSION
                ARG COMMIT
                COPY *.cs Inventory.Api/Data/Migrations/
                RUN env -u VERSION -u COMMIT dotnet publish Inventory.Api/Inventory.Api.csproj --no-restore -c Release                       -o /variant -r linux-x64 --self-contained false -p:UseAppHost=false                       -p:InventoryBuildVersion="$VERSION" -p:InventoryBuildCommit="$COMMIT" -p:SourceRevisionId="$COMMIT"
                FROM {baseImage.Tag}
                COPY --from=build /variant/ /app/
                """);
            var repository = DockerCli.UniqueName("api-variant");
            string[] arguments = ["--force-rm", "--build-arg", $"VERSION={version}", "--build-arg", $"COMMIT={commit}"];
            // Its build stage tagged too, as BuildAsync does, so that clean-up removes its layers.
            _tagsToRemove.Add($"{repository}:{VariantStage}");
            _tagsToRemove.Add($"{repository}:image");
            foreach (var step in new[] { ["--target", "build", "--tag", $"{repository}:{VariantStage}"],
                new[] { "--tag", $"{repository}:image" } })
            {
                var result = await DockerCli.RunAsync(["build", .. arguments, .. step, "."], BuildTimeout,
                    context.FullName);
                if (!result.Succeeded)
                {
                    await RemoveWhatAFailedBuildLeftAsync(result.Output);
                }
                result.EnsureSuccess("docker build of a variant of the product image");
            }
            return baseImage with { Tag = $"{repository}:image", Version = version, Commit = commit };
        }
        finally
        {
            context.Delete(recursive: true);
        }
    }

    private static async Task<ProcessResult> BuildStepAsync(string[] arguments)
    {
        var result = await DockerCli.RunAsync(["build", .. arguments, "."], BuildTimeout, RepositoryPaths.Root);
        if (!result.Succeeded)
        {
            await RemoveWhatAFailedBuildLeftAsync(result.Output);
        }
        return result.EnsureSuccess("docker build of the repository's Dockerfile");
    }

    /// <summary>
    /// A failed legacy build leaves its last committed step as an untagged image; removing it (without force) also
    /// removes the parents only it used, and leaves alone any layer another image or build still needs.
    /// </summary>
    public static async Task RemoveWhatAFailedBuildLeftAsync(string buildOutput)
    {
        if (StepImage().Matches(buildOutput).LastOrDefault() is { } last)
        {
            await DockerCli.RunAsync(["image", "rm", last.Groups["id"].Value]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The image first: the build stage's layers are only free once nothing else refers to them.
        var tags = _tagsToRemove.ToArray();
        foreach (var tag in tags.Where(t => t.EndsWith(":image", StringComparison.Ordinal)))
        {
            await DockerCli.RemoveQuietlyAsync("image", tag);
        }
        // A variant's build stage before the build stage it was made from.
        foreach (var tag in tags.Where(t => !t.EndsWith(":image", StringComparison.Ordinal))
            .OrderBy(t => t.EndsWith(":" + VariantStage, StringComparison.Ordinal) ? 0 : 1))
        {
            await DockerCli.RemoveQuietlyAsync("image", tag);
        }
    }

    [GeneratedRegex(@"^ ---> (?<id>[0-9a-f]{12})$", RegexOptions.Multiline)]
    private static partial Regex StepImage();
}
