using System.Formats.Tar;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using Inventory.Tests.Infrastructure;
using Inventory.Tests.Infrastructure.SystemTests;

namespace Inventory.Tests.Image;

/// <summary>
/// What the Dockerfile builds, read from the engine without running it: context, files, config, history.
/// </summary>
public sealed class ImageContentsTests(ProductImage productImage)
{
    private static readonly string[] Shells =
        ["bin/sh", "bin/bash", "bin/dash", "bin/ash", "bin/busybox", "usr/bin/sh", "usr/bin/bash", "usr/bin/dash",
            "usr/bin/busybox"];

    private static readonly string[] Downloaders = ["usr/bin/curl", "usr/bin/wget", "bin/curl", "bin/wget"];

    [Fact]
    public async Task Build_context_holds_only_what_the_publish_reads()
    {
        await DockerEngine.RequireOrSkip();

        // The context exactly as `docker build .` sends it (.dockerignore applied), copied into an image by a
        // throwaway Dockerfile kept outside the repository.
        var scratch = Directory.CreateTempSubdirectory("inventory-test-context-");
        var tag = $"{DockerCli.UniqueName("context")}:latest";
        try
        {
            var dockerfile = Path.Combine(scratch.FullName, "Dockerfile");
            await File.WriteAllTextAsync(
                dockerfile, "FROM scratch\nCOPY . /context/\n", TestContext.Current.CancellationToken);
            (await DockerCli.RunAsync(["build", "--quiet", "--file", dockerfile, "--tag", tag, "."],
                workingDirectory: RepositoryPaths.Root,
                    cancellationToken: TestContext.Current.CancellationToken)).EnsureSuccess(
                    "docker build of the bare context");

            var files = (await ExportFilesAsync(tag, scratch.FullName))
                .Where(e => e.IsFile && e.Name.StartsWith("context/", StringComparison.Ordinal))
                .Select(e => e.Name["context/".Length..])
                .ToList();

            Assert.Contains("Inventory.Api/Inventory.Api.csproj", files);
            Assert.Contains("Inventory.ServiceDefaults/Inventory.ServiceDefaults.csproj", files);
            Assert.Contains("Directory.Packages.props", files);
            var allowedRoots = new[] { "Inventory.Api/", "Inventory.ServiceDefaults/" };
            var allowedFiles = new[] { "global.json", "Directory.Build.props", "Directory.Packages.props",
                ".editorconfig" };
            Assert.All(files, file => Assert.True(
                allowedFiles.Contains(file)
                    || allowedRoots.Any(root => file.StartsWith(root, StringComparison.Ordinal)),
                $"{file} reached the build context"));
            Assert.DoesNotContain(
                files, f => f.Contains("/bin/", StringComparison.Ordinal)
                || f.Contains("/obj/", StringComparison.Ordinal));
            Assert.DoesNotContain(files, f => f.EndsWith(".Development.json", StringComparison.Ordinal));
        }
        finally
        {
            await DockerCli.RemoveQuietlyAsync("image", tag);
            scratch.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Final_image_holds_the_ReadyToRun_api_and_no_sdk_sources_tests_shell_or_curl()
    {
        await DockerEngine.RequireOrSkip();
        var image = await productImage.GetAsync();
        var scratch = Directory.CreateTempSubdirectory("inventory-test-rootfs-");
        try
        {
            var entries = await ExportFilesAsync(image.Tag, scratch.FullName, readFile: "app/Inventory.Api.dll");
            var names = entries.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);

            Assert.Contains("app/Inventory.Api.dll", names);
            Assert.Contains("app/Inventory.ServiceDefaults.dll", names);
            Assert.Contains(names,
                n => n.StartsWith("usr/share/dotnet/shared/Microsoft.AspNetCore.App/", StringComparison.Ordinal));
            Assert.DoesNotContain(names, n => n.StartsWith("usr/share/dotnet/sdk", StringComparison.Ordinal));
            Assert.DoesNotContain(
                names, n => n.StartsWith("src/", StringComparison.Ordinal)
                || n.StartsWith("root/.nuget", StringComparison.Ordinal));
            Assert.DoesNotContain(
                names, n => n.EndsWith(".cs", StringComparison.Ordinal)
                || n.EndsWith(".csproj", StringComparison.Ordinal));
            Assert.DoesNotContain(
                names, n => n.Contains("Inventory.Tests", StringComparison.Ordinal)
                || n.Contains("xunit", StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(names, n => Shells.Contains(n) || Downloaders.Contains(n));

            // ReadyToRun: the assembly carries precompiled native code next to its IL.
            var dll = entries.Single(e => e.Name == "app/Inventory.Api.dll").Content!;
            using var pe = new PEReader(new MemoryStream(dll));
            Assert.True(pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0,
                "Inventory.Api.dll is not ReadyToRun");
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Config_runs_dotnet_as_the_non_root_app_user_on_port_8080_with_its_runtime_env_and_labels_carry_the_build_args()
    {
        await DockerEngine.RequireOrSkip();
        var image = await productImage.GetAsync();

        using var config = JsonDocument.Parse(
            await DockerCli.OutputAsync("image", "inspect", "--format", "{{json .Config}}", image.Tag));
        var root = config.RootElement;

        Assert.Equal("1654", root.GetProperty("User").GetString());
        Assert.Equal(["dotnet", "Inventory.Api.dll"],
            root.GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()));
        Assert.True(root.GetProperty("ExposedPorts").TryGetProperty("8080/tcp", out _));
        // What bench/run.sh measured the API's memory with (it reads the same ENV from the Dockerfile).
        var env = root.GetProperty("Env").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("GLIBC_TUNABLES=glibc.malloc.mmap_threshold=65536", env);
        Assert.Contains("PGGSSENCMODE=disable", env);
        var labels = root.GetProperty("Labels");
        Assert.Equal(image.Source, labels.GetProperty("org.opencontainers.image.source").GetString());
        Assert.Equal(image.Commit, labels.GetProperty("org.opencontainers.image.revision").GetString());
        Assert.Equal(image.Version, labels.GetProperty("org.opencontainers.image.version").GetString());
        Assert.Equal(image.Created, labels.GetProperty("org.opencontainers.image.created").GetString());
    }

    [Fact]
    public async Task A_version_that_MSBuild_would_split_fails_the_build_with_a_clear_message()
    {
        await DockerEngine.RequireOrSkip();
        // After the run's image: every step before the check then comes from its cache, and the failed build
        // leaves nothing behind that the run's clean-up would not remove.
        await productImage.GetAsync();
        var tag = $"{DockerCli.UniqueName("badversion")}:image";
        try
        {
            var result = await DockerCli.RunAsync(
                ["build", "--network", "host", "--force-rm", "--build-arg", "VERSION=1.0;evil", "--tag", tag, "."],
                TimeSpan.FromMinutes(15), RepositoryPaths.Root, TestContext.Current.CancellationToken);

            await ProductImage.RemoveWhatAFailedBuildLeftAsync(result.Output);

            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("VERSION and COMMIT must be non-empty and hold only", result.Output,
                StringComparison.Ordinal);
        }
        finally
        {
            await DockerCli.RemoveQuietlyAsync("image", tag);
        }
    }

    /// <summary>Creates (never starts) a container of <paramref name="image"/> and lists its filesystem.</summary>
    private static async Task<List<(string Name, bool IsFile, byte[]? Content)>> ExportFilesAsync(
        string image, string scratch, string? readFile = null)
    {
        var container = DockerCli.UniqueName("export");
        var tarball = Path.Combine(scratch, "rootfs.tar");
        try
        {
            // A command is required to create a container of an image without one; it never runs.
            await DockerCli.OutputAsync("create", "--name", container, image, "never-run");
            await DockerCli.OutputAsync("export", "--output", tarball, container);
        }
        finally
        {
            await DockerCli.RemoveQuietlyAsync("container", container);
        }

        var entries = new List<(string, bool, byte[]?)>();
        await using var stream = File.OpenRead(tarball);
        await using var reader = new TarReader(stream);
        while (await reader.GetNextEntryAsync() is { } entry)
        {
            var name = entry.Name.TrimStart('.', '/').TrimEnd('/');
            byte[]? content = null;
            if (name == readFile && entry.DataStream is { } data)
            {
                using var copy = new MemoryStream();
                await data.CopyToAsync(copy);
                content = copy.ToArray();
            }
            entries.Add((name, entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile, content));
        }
        return entries;
    }
}
