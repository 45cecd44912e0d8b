using Kt.ImageCompiler.Freezing;
using Kt.ImageCompiler.Locking;
using Kt.ImageCompiler.Model;
using Kt.ImageCompiler.Sbom;
using Kt.Oci;

namespace Kt.Workflows;

/// <summary>
/// Every frozen image's SBOM (CycloneDX 1.5 JSON): written beside the OCI layout and the archive as
/// <c>&lt;output&gt;.cdx.json</c>, and attached to the pushed image as an OCI artifact whose <c>subject</c> is the image.
/// </summary>
internal static class FreezeSbom
{
    public const string Extension = ".cdx.json";

    public static async Task WriteAsync(ImageDefinition definition, FreezeResult frozen, ImageLock contents, ImageOutputSettings settings,
        FrozenImageName name, string layout, string? archive, WrittenImage written, RegistryClient registry, WorkflowOutput output, CancellationToken cancellationToken)
    {
        var nuget = definition.App is { EntryAssembly: { } entry } app
            ? NuGetPackages.Read(Path.GetFullPath(Path.Combine(settings.ProjectDirectory, app.PublishDirectory)), entry, PackageRoot(settings))
            : [];
        var layers = frozen.Steps.Where(s => s.Layer is not null).ToDictionary(s => s.Key, s => s.Layer!.Digest);
        var packagesLayer = frozen.Steps.FirstOrDefault(s => s.Layer is not null && s.Description.StartsWith(Kt.ImageCompiler.Resolution.DefinitionResolver.PackagesLayerDescription, StringComparison.Ordinal))?.Layer!.Digest;
        var imageName = name.PushRepository is { } pushed ? $"{pushed.Registry}/{pushed.Repository}" : name.Repository;
        var sbom = CycloneDxSbom.Create(imageName, written.ManifestDigest, contents, layers, nuget, packagesLayer, Bundled(definition, frozen));

        var files = new List<string> { layout + Extension };
        if (archive is not null)
        {
            files.Add(archive + Extension);
        }

        foreach (var file in files)
        {
            Kt.Core.AtomicFile.WriteAllBytes(file, sbom, durable: false);
        }

        var attached = "";
        if (name.PushRepository is { } repository)
        {
            var artifact = await new ReferrerPusher(registry).AttachAsync(repository, frozen.Image.ManifestDescriptor, CycloneDxSbom.MediaType, sbom, cancellationToken)
                .ConfigureAwait(false);
            attached = $", attached as {repository.Registry}/{repository.Repository}@{artifact}";
        }

        output.Progress($"sbom {string.Join(", ", files)} (CycloneDX {CycloneDxSbom.SpecVersion}, {nuget.Count} NuGet packages, "
            + $"{contents.Steps.Sum(s => (s.Apt?.Count ?? 0) + (s.Pip?.Count ?? 0) + (s.Tools?.Count ?? 0))} step packages){attached}");
    }

    // Bundles resolve to one layer each, in the definition's order, after the setup steps.
    private static List<(BundledComponent, Kt.Core.Digest)> Bundled(ImageDefinition definition, FreezeResult frozen)
    {
        var bundleKeys = frozen.Resolved.Steps.Where(s => s.Kind == Kt.Core.StepKinds.Bundle).Select(s => s.Key.Hex).ToList();
        var layerOf = frozen.Steps.Where(s => s.Layer is not null).ToDictionary(s => s.Key, s => s.Layer!.Digest);
        return definition.Bundles.Zip(bundleKeys)
            .Where(pair => layerOf.ContainsKey(pair.Second))
            .SelectMany(pair => (pair.First.Components ?? []).Select(c => (c, layerOf[pair.Second])))
            .ToList();
    }

    /// <summary>Where restore put the packages: MSBuild's NuGetPackageRoot, else NuGet's own default.</summary>
    private static string PackageRoot(ImageOutputSettings settings) =>
        !string.IsNullOrWhiteSpace(settings.NuGetPackageRoot) ? settings.NuGetPackageRoot
        : Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } fromEnvironment ? fromEnvironment
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
}
