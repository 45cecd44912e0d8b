using System.Text.Json;
using System.Xml.Linq;

namespace Kt.ImageCompiler.Sbom;

/// <summary>A NuGet package of the app, as the publish's <c>deps.json</c> and the package's nuspec describe it.</summary>
/// <param name="Sha512Hex">The package's SHA-512 (deps.json carries it base64), lowercase hex; null when not recorded.</param>
/// <param name="License">An SPDX expression (<c>&lt;license type="expression"&gt;</c>); null when the nuspec has none.</param>
/// <param name="LicenseUrl">A <c>&lt;licenseUrl&gt;</c>, or the file a <c>&lt;license type="file"&gt;</c> names.</param>
public sealed record NuGetPackage(string Id, string Version, string? Sha512Hex, string? License, string? LicenseUrl);

/// <summary>Reads the package libraries of a publish folder's <c>&lt;app&gt;.deps.json</c>, with licences from the NuGet folder's nuspecs.</summary>
public static class NuGetPackages
{
    public static IReadOnlyList<NuGetPackage> Read(string publishDirectory, string entryAssembly, string? packageRoot)
    {
        var depsFile = Path.Combine(publishDirectory, Path.ChangeExtension(entryAssembly, ".deps.json"));
        if (!File.Exists(depsFile))
        {
            return [];
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(depsFile));
        if (!document.RootElement.TryGetProperty("libraries", out var libraries))
        {
            return [];
        }

        var packages = new List<NuGetPackage>();
        foreach (var library in libraries.EnumerateObject())
        {
            if (library.Value.TryGetProperty("type", out var type) && type.GetString() == "package" && library.Name.Split('/') is [var id, var version])
            {
                var sha512 = library.Value.TryGetProperty("sha512", out var hash) && hash.GetString() is { } text && text.StartsWith("sha512-", StringComparison.Ordinal)
                    ? Convert.ToHexStringLower(Convert.FromBase64String(text["sha512-".Length..]))
                    : null;
                var folder = library.Value.TryGetProperty("path", out var path) && path.GetString() is { } relative && packageRoot is not null
                    ? Path.Combine(packageRoot, relative)
                    : null;
                var (license, licenseUrl) = folder is null ? (null, null) : ReadLicense(Path.Combine(folder, id.ToLowerInvariant() + ".nuspec"));
                packages.Add(new NuGetPackage(id, version, sha512, license, licenseUrl));
            }
        }

        return [.. packages.OrderBy(p => p.Id, StringComparer.OrdinalIgnoreCase).ThenBy(p => p.Version, StringComparer.Ordinal)];
    }

    private static (string? License, string? Url) ReadLicense(string nuspec)
    {
        if (!File.Exists(nuspec))
        {
            return (null, null);
        }

        var metadata = XDocument.Load(nuspec).Root?.Elements().FirstOrDefault(e => e.Name.LocalName == "metadata");
        var license = metadata?.Elements().FirstOrDefault(e => e.Name.LocalName == "license");
        var url = metadata?.Elements().FirstOrDefault(e => e.Name.LocalName == "licenseUrl")?.Value.Trim();
        return license?.Attribute("type")?.Value switch
        {
            "expression" => (license.Value.Trim(), null),
            "file" => (null, url ?? license.Value.Trim()),
            _ => (null, string.IsNullOrEmpty(url) ? null : url),
        };
    }
}
