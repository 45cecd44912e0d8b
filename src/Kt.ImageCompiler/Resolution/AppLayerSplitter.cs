using System.Text.Json;

namespace Kt.ImageCompiler.Resolution;

/// <summary>The three parts of a publish folder, from least to most volatile (as Jib and NMica split them).</summary>
public enum AppPart
{
    /// <summary>Assets of NuGet packages: change when a dependency version changes.</summary>
    Packages,

    /// <summary>Assemblies of referenced projects.</summary>
    Projects,

    /// <summary>The app's own files (and anything the deps file does not describe).</summary>
    App,
}

/// <summary>
/// Classifies each file of a publish folder by reading <c>&lt;app&gt;.deps.json</c>: package libraries' assets go to
/// <see cref="AppPart.Packages"/>, other project libraries' to <see cref="AppPart.Projects"/>, the rest to the app.
/// A code-only change then touches only the small app part.
/// </summary>
public static class AppLayerSplitter
{
    public static AppPart Classify(string relativePath, IReadOnlyDictionary<string, AppPart> assetParts) =>
        assetParts.TryGetValue(relativePath, out var part) ? part : AppPart.App;

    /// <summary>Maps publish-relative paths of library assets to their part.</summary>
    public static IReadOnlyDictionary<string, AppPart> ReadDepsFile(string publishDirectory, string entryAssembly)
    {
        var result = new Dictionary<string, AppPart>(StringComparer.Ordinal);
        var depsFile = Path.Combine(publishDirectory, Path.ChangeExtension(entryAssembly, ".deps.json"));
        if (!File.Exists(depsFile))
        {
            return result;
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(depsFile));
        var rootElement = document.RootElement;
        if (!rootElement.TryGetProperty("libraries", out var libraries) || !rootElement.TryGetProperty("targets", out var targets))
        {
            return result;
        }

        var appName = Path.GetFileNameWithoutExtension(entryAssembly);
        foreach (var target in targets.EnumerateObject())
        {
            foreach (var library in target.Value.EnumerateObject())
            {
                if (!libraries.TryGetProperty(library.Name, out var libraryInfo) || !libraryInfo.TryGetProperty("type", out var typeElement))
                {
                    continue;
                }

                var libraryName = library.Name.Split('/')[0];
                var part = typeElement.GetString() switch
                {
                    "package" => AppPart.Packages,
                    "project" when !string.Equals(libraryName, appName, StringComparison.OrdinalIgnoreCase) => AppPart.Projects,
                    _ => AppPart.App,
                };
                foreach (var assetKind in new[] { "runtime", "native", "resources", "resourceAssemblies" })
                {
                    if (!library.Value.TryGetProperty(assetKind, out var assets))
                    {
                        continue;
                    }

                    foreach (var asset in assets.EnumerateObject())
                    {
                        foreach (var candidate in PublishPaths(asset.Name, asset.Value))
                        {
                            result.TryAdd(candidate, part);
                        }
                    }
                }
            }
        }

        return result;
    }

    // Publish flattens runtime assets to the root, keeps culture folders for resources, and keeps runtimes/<rid>/…
    // for portable apps; any of these forms may be what is on disk.
    private static IEnumerable<string> PublishPaths(string assetPath, JsonElement properties)
    {
        var fileName = Path.GetFileName(assetPath);
        yield return fileName;
        yield return assetPath;
        if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty("locale", out var locale) && locale.GetString() is { } culture)
        {
            yield return culture + "/" + fileName;
        }
    }
}
