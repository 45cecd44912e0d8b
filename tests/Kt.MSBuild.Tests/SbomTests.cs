using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using Kt.TestSupport;

namespace Kt.MSBuild.Tests;

/// <summary>The SBOM every freeze writes: CycloneDX 1.5, beside the archive and attached to the pushed image.</summary>
public sealed partial class PublishEndToEndTests
{
    private static readonly Dictionary<string, string> SbomLibraries = new()
    {
        ["KtSbom.Alpha"] = "MIT",
        ["KtSbom.Beta"] = "Apache-2.0",
        ["KtSbom.Gamma"] = "BSD-3-Clause",
    };

    [RegistryFact]
    public async Task The_SBOM_lists_every_NuGet_package_as_deps_json_has_it_validates_and_is_attached_to_the_pushed_image()
    {
        fixture.PackLibraries(SbomLibraries);
        var project = fixture.CreateConsoleProject("SbomApp", $"<KtBaseImage>{Environments.RegistryBaseImage}</KtBaseImage>",
            string.Concat(SbomLibraries.Keys.Select(id => $"""<PackageReference Include="{id}" Version="1.0.0" />""")));
        File.WriteAllText(Path.Combine(project, "Program.cs"), "Console.WriteLine(KtSbom.Alpha.Library.Name + KtSbom.Beta.Library.Name + KtSbom.Gamma.Library.Name);\n");
        var runTag = "run-" + Guid.NewGuid().ToString("N")[..12];
        var archive = Path.Combine(project, "images", "sbom-app.tar");
        var freeze = fixture.Dotnet(project, "publish", "-c", "Release", "-p:KtFreeze=true", "-p:KtFreezeWithRuntime=false",
            $"-p:ContainerRegistry={Environments.RegistryHost}", "-p:ContainerRepository=kt-msbuild-test/sbom", $"-p:ContainerImageTags={runTag}",
            $"-p:ContainerArchiveOutputPath={archive}", $"-p:KtCacheDirectory={fixture.CacheDirectory}").EnsureSuccess("freeze");
        var imageDigest = Regex.Match(freeze.Output, @"kt: image 127\.0\.0\.1:5000/kt-msbuild-test/sbom@(?<d>sha256:[0-9a-f]{64})").Groups["d"].Value;
        Assert.False(string.IsNullOrEmpty(imageDigest), "no pushed image line in:\n" + freeze.Output);

        var sbomFile = archive + ".cdx.json";
        var sbomBytes = File.ReadAllBytes(sbomFile);
        var sbom = JsonNode.Parse(sbomBytes)!;
        var schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schemas", "cyclonedx-1.5-kt.schema.json")));
        var validation = schema.Evaluate(sbom, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(validation.IsValid, "the SBOM breaks the schema: " + JsonSerializer.Serialize(validation.Details.Where(d => !d.IsValid && d.Errors is not null)
            .Select(d => $"{d.InstanceLocation}: {string.Join("; ", d.Errors!.Values)}")));
        Assert.Equal(imageDigest, sbom["metadata"]!["component"]!["version"]!.GetValue<string>());
        var broken = sbom.DeepClone();
        broken["components"]![0]!["hashes"] = new JsonArray(new JsonObject { ["alg"] = "SHA-512", ["content"] = "not-hex" });
        Assert.False(schema.Evaluate(broken).IsValid, "the schema must refuse a malformed hash");

        // Every package library of the publish's deps.json, with its version, SHA-512 and the licence its nuspec declares.
        using var deps = JsonDocument.Parse(File.ReadAllText(Path.Combine(project, "bin", "Release", "net10.0", "publish", "SbomApp.deps.json")));
        var packages = deps.RootElement.GetProperty("libraries").EnumerateObject().Where(l => l.Value.GetProperty("type").GetString() == "package").ToList();
        Assert.Equal(SbomLibraries.Keys.Order(), packages.Select(p => p.Name.Split('/')[0]).Order());
        var components = sbom["components"]!.AsArray();
        foreach (var package in packages)
        {
            var (id, version) = (package.Name.Split('/')[0], package.Name.Split('/')[1]);
            var component = components.Single(c => c!["purl"]!.GetValue<string>() == $"pkg:nuget/{id}@{version}")!;
            Assert.Equal(version, component["version"]!.GetValue<string>());
            Assert.Equal(SbomLibraries[id], component["licenses"]![0]!["expression"]!.GetValue<string>());
            var sha512 = Convert.FromBase64String(package.Value.GetProperty("sha512").GetString()!["sha512-".Length..]);
            Assert.Equal(Convert.ToHexStringLower(sha512), component["hashes"]![0]!["content"]!.GetValue<string>());
        }

        var lockfile = JsonNode.Parse(File.ReadAllText(Path.Combine(project, "kt.lock.json")))!;
        var baseComponent = components.Single(c => c!["bom-ref"]!.GetValue<string>() == "base")!;
        Assert.Equal(lockfile["base"]!["digest"]!.GetValue<string>(), baseComponent["version"]!.GetValue<string>());
        Assert.Equal(sbomBytes, File.ReadAllBytes(Path.Combine(project, "obj", "Release", "net10.0", "kt-image.cdx.json")));

        // Attached: the registry (Distribution 2.8, no referrers API) lists it under the referrers tag sha256-<hex>.
        using var http = new HttpClient { BaseAddress = new Uri($"http://{Environments.RegistryHost}/v2/kt-msbuild-test/sbom/") };
        using var indexRequest = new HttpRequestMessage(HttpMethod.Get, "manifests/" + imageDigest.Replace(':', '-'));
        indexRequest.Headers.Accept.ParseAdd("application/vnd.oci.image.index.v1+json");
        using var indexResponse = await http.SendAsync(indexRequest);
        Assert.True(indexResponse.IsSuccessStatusCode, $"no referrers tag: {indexResponse.StatusCode}");
        var referrer = JsonNode.Parse(await indexResponse.Content.ReadAsStringAsync())!["manifests"]!.AsArray()
            .Single(m => m!["artifactType"]!.GetValue<string>() == "application/vnd.cyclonedx+json")!;
        using var artifactRequest = new HttpRequestMessage(HttpMethod.Get, "manifests/" + referrer["digest"]!.GetValue<string>());
        artifactRequest.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        using var artifactResponse = await http.SendAsync(artifactRequest);
        var artifact = JsonNode.Parse(await artifactResponse.Content.ReadAsStringAsync())!;
        Assert.Equal(imageDigest, artifact["subject"]!["digest"]!.GetValue<string>());
        var blob = await http.GetByteArrayAsync("blobs/" + artifact["layers"]![0]!["digest"]!.GetValue<string>());
        Assert.Equal(sbomBytes, blob);
    }
}
