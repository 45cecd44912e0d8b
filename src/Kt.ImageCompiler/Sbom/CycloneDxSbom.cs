using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kt.Core;
using Kt.ImageCompiler.Locking;
using Kt.ImageCompiler.Model;

namespace Kt.ImageCompiler.Sbom;

/// <summary>
/// The SBOM of a frozen image as CycloneDX 1.5 JSON. CycloneDX rather than SPDX 2.3: its components carry a purl,
/// hashes and a licence expression directly and a container, its base and its libraries are component types of their
/// own, and nothing in it must be a timestamp (SPDX 2.3 requires <c>creationInfo.created</c>), so the same image
/// always gets the same SBOM bytes. Each component says which layer it came from (<c>dev.kt.layer</c>) and which
/// step (<c>dev.kt.step</c>).
/// </summary>
public static class CycloneDxSbom
{
    public const string MediaType = "application/vnd.cyclonedx+json";
    public const string SpecVersion = "1.5";

    /// <param name="imageName">The repository the image is known by (e.g. <c>127.0.0.1:5000/team/app</c>).</param>
    /// <param name="resolved">What the steps' layers contain (the freeze's lockfile, locked or not).</param>
    /// <param name="layers">Step key → the digest of the layer it made.</param>
    /// <param name="packagesLayer">The app layer holding the NuGet packages' files, when there is one.</param>
    /// <param name="bundled">What Kt's own layers install (the .NET runtime, the pod runtime), each with its layer.</param>
    public static byte[] Create(string imageName, Digest imageDigest, ImageLock resolved, IReadOnlyDictionary<string, Digest> layers,
        IReadOnlyList<NuGetPackage> nuget, Digest? packagesLayer, IReadOnlyList<(BundledComponent Component, Digest Layer)>? bundled = null)
    {
        var components = new JsonArray
        {
            new JsonObject
            {
                ["type"] = "container",
                ["bom-ref"] = "base",
                ["name"] = resolved.Base.Reference,
                ["version"] = resolved.Base.Digest,
                ["purl"] = OciPurl(resolved.Base.Reference, resolved.Base.Digest),
                ["description"] = "base image",
            },
        };
        foreach (var (bundledComponent, layer) in bundled ?? [])
        {
            var component = Library(bundledComponent.Purl, bundledComponent.Name, bundledComponent.Version, layer.ToString(), step: null);
            component["type"] = bundledComponent.Type;
            components.Add(component);
        }

        foreach (var package in nuget)
        {
            var purl = $"pkg:nuget/{Uri.EscapeDataString(package.Id)}@{Uri.EscapeDataString(package.Version)}";
            var component = Library(purl, package.Id, package.Version, packagesLayer?.ToString(), step: null);
            if (package.Sha512Hex is { } sha512)
            {
                component["hashes"] = new JsonArray(new JsonObject { ["alg"] = "SHA-512", ["content"] = sha512 });
            }

            if (package.License is { } expression)
            {
                component["licenses"] = new JsonArray(new JsonObject { ["expression"] = expression });
            }
            else if (package.LicenseUrl is { } url)
            {
                var license = new JsonObject { ["name"] = url };
                if (Uri.IsWellFormedUriString(url, UriKind.Absolute))
                {
                    license["url"] = url;
                }

                component["licenses"] = new JsonArray(new JsonObject { ["license"] = license });
            }

            components.Add(component);
        }

        foreach (var step in resolved.Steps)
        {
            var layer = layers.TryGetValue(step.Key, out var digest) ? digest.ToString() : null;
            foreach (var apt in step.Apt ?? [])
            {
                components.Add(Library($"pkg:deb/debian/{Uri.EscapeDataString(apt.Name)}@{Uri.EscapeDataString(apt.Version)}", apt.Name, apt.Version, layer, step.Key));
            }

            foreach (var pip in step.Pip ?? [])
            {
                components.Add(Library($"pkg:pypi/{Uri.EscapeDataString(pip.Name.ToLowerInvariant().Replace('_', '-'))}@{Uri.EscapeDataString(pip.Version)}", pip.Name, pip.Version, layer, step.Key));
            }

            foreach (var tool in step.Tools ?? [])
            {
                var component = Library($"pkg:nuget/{Uri.EscapeDataString(tool.Name)}@{Uri.EscapeDataString(tool.Version)}", tool.Name, tool.Version, layer, step.Key);
                component["type"] = "application";
                components.Add(component);
            }
        }

        // A component installed by two steps (or a tool that is also a package) is listed once.
        var unique = new JsonArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var component in components.ToList())
        {
            components.Remove(component);
            if (seen.Add(component!["bom-ref"]!.GetValue<string>()))
            {
                unique.Add(component);
            }
        }

        var bom = new JsonObject
        {
            ["bomFormat"] = "CycloneDX",
            ["specVersion"] = SpecVersion,
            ["serialNumber"] = SerialNumber(imageDigest),
            ["version"] = 1,
            ["metadata"] = new JsonObject
            {
                ["tools"] = new JsonObject { ["components"] = new JsonArray(new JsonObject { ["type"] = "application", ["name"] = "Kt" }) },
                ["component"] = new JsonObject
                {
                    ["type"] = "container",
                    ["bom-ref"] = "image",
                    ["name"] = imageName,
                    ["version"] = imageDigest.ToString(),
                    ["purl"] = OciPurl(imageName, imageDigest.ToString()),
                },
            },
            ["components"] = unique,
        };
        return Encoding.UTF8.GetBytes(bom.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    private static JsonObject Library(string purl, string name, string version, string? layer, string? step)
    {
        var properties = new JsonArray();
        if (layer is not null)
        {
            properties.Add(new JsonObject { ["name"] = "dev.kt.layer", ["value"] = layer });
        }

        if (step is not null)
        {
            properties.Add(new JsonObject { ["name"] = "dev.kt.step", ["value"] = step });
        }

        var component = new JsonObject { ["type"] = "library", ["bom-ref"] = purl, ["name"] = name, ["version"] = version, ["purl"] = purl };
        if (properties.Count > 0)
        {
            component["properties"] = properties;
        }

        return component;
    }

    /// <summary><c>pkg:oci/&lt;name&gt;@&lt;digest&gt;?repository_url=&lt;registry/repository&gt;</c> (the purl spec's OCI type).</summary>
    private static string OciPurl(string reference, string digest)
    {
        var withoutDigest = reference.Split('@')[0];
        var slash = withoutDigest.LastIndexOf('/');
        var colon = withoutDigest.LastIndexOf(':');
        var repository = colon > slash ? withoutDigest[..colon] : withoutDigest;
        var name = repository[(repository.LastIndexOf('/') + 1)..];
        return $"pkg:oci/{Uri.EscapeDataString(name)}@{Uri.EscapeDataString(digest)}?repository_url={Uri.EscapeDataString(repository)}";
    }

    /// <summary>A UUID derived from the image digest (RFC 4122 version 5 layout), so one image has one serial number.</summary>
    private static string SerialNumber(Digest imageDigest)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes("kt-sbom/v1 " + imageDigest))[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        var hex = Convert.ToHexStringLower(bytes);
        return $"urn:uuid:{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }
}
