using System.Text.Json;
using System.Text.Json.Nodes;
using Kt.TestSupport;

namespace Kt.MSBuild.Tests;

/// <summary><c>kt.lock.json</c> as a CI user meets it: written by a freeze, then installed exactly with <c>KtLocked=true</c>.</summary>
public sealed partial class PublishEndToEndTests
{
    [DockerFact]
    public void A_freeze_writes_the_lockfile_a_locked_freeze_on_an_empty_cache_gives_the_same_digest_and_a_gone_version_writes_nothing()
    {
        Assert.True(Environments.HasRegistry, "the registry from .ci/setup is needed too");
        var project = fixture.CreateConsoleProject("Locked", $"<KtBaseImage>{Environments.RegistryBaseImage}</KtBaseImage>",
            """
            <KtSetup Include="apt" Packages="jq" />
            <KtSetup Include="copy" Source="config/app.json" Destination="/etc/locked/" />
            """);
        Directory.CreateDirectory(Path.Combine(project, "config"));
        File.WriteAllText(Path.Combine(project, "config", "app.json"), "{\"answer\":42}");
        string[] Freeze(string cache, params string[] more) =>
        [
            "publish", "-c", "Release", "-p:KtFreeze=true", "-p:KtFreezeWithRuntime=false", "-p:ContainerRepository=kt-msbuild-test/locked",
            $"-p:KtCacheDirectory={fixture.Combine("lock-caches", cache)}", .. more,
        ];

        var first = fixture.Dotnet(project, Freeze("first")).EnsureSuccess("unlocked freeze");
        var lockPath = Path.Combine(project, "kt.lock.json");
        Assert.Contains("kt: lockfile " + lockPath + " updated", first.Output, StringComparison.Ordinal);
        var lockJson = JsonNode.Parse(File.ReadAllText(lockPath))!;
        Assert.StartsWith("sha256:", lockJson["base"]!["digest"]!.GetValue<string>(), StringComparison.Ordinal);
        var apt = lockJson["steps"]!.AsArray().Single(s => s!["kind"]!.GetValue<string>() == "apt")!["apt"]!.AsArray();
        var jq = apt.Single(p => p!["name"]!.GetValue<string>() == "jq")!["version"]!.GetValue<string>();
        Assert.Contains(apt, p => p!["name"]!.GetValue<string>() == "libjq1"); // dependencies are pinned too
        var copied = lockJson["steps"]!.AsArray().Single(s => s!["kind"]!.GetValue<string>() == "copy")!["files"]!.AsArray().Single()!;
        Assert.Equal("/etc/locked/app.json", copied["path"]!.GetValue<string>());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(project, "config", "app.json")))),
            copied["sha256"]!.GetValue<string>());

        // The SBOM lists what the apt layer installed, with the layer and step it came from.
        var sbom = JsonNode.Parse(File.ReadAllText(Path.Combine(project, "obj", "Release", "net10.0", "kt-image.cdx.json")))!;
        var aptKey = lockJson["steps"]!.AsArray().Single(s => s!["kind"]!.GetValue<string>() == "apt")!["key"]!.GetValue<string>();
        var jqComponent = sbom["components"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "jq")!;
        Assert.Equal($"pkg:deb/debian/jq@{Uri.EscapeDataString(jq)}", jqComponent["purl"]!.GetValue<string>());
        Assert.Contains(jqComponent["properties"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "dev.kt.step" && p["value"]!.GetValue<string>() == aptKey);

        // Another machine state: an empty layer cache, the lockfile committed. The apt step runs again, pinned.
        var locked = fixture.Dotnet(project, Freeze("second", "-p:KtLocked=true")).EnsureSuccess("locked freeze");
        Assert.Contains($"jq={jq}", locked.Output, StringComparison.Ordinal);
        Assert.Equal(LayoutDigest(first.Output), LayoutDigest(locked.Output));
        var unchangedAgain = fixture.Dotnet(project, Freeze("first")).EnsureSuccess("unlocked freeze again");
        Assert.Contains("kt: lockfile " + lockPath + " unchanged", unchangedAgain.Output, StringComparison.Ordinal);

        // A pinned version the mirror no longer has: KT1040 naming the package, and nothing written.
        var layoutIndex = Path.Combine(project, "obj", "Release", "net10.0", "kt-image", "index.json");
        var layoutBefore = File.ReadAllText(layoutIndex);
        var gone = JsonNode.Parse(File.ReadAllText(lockPath))!;
        gone["steps"]!.AsArray().Single(s => s!["kind"]!.GetValue<string>() == "apt")!["apt"]!.AsArray()
            .Single(p => p!["name"]!.GetValue<string>() == "jq")!["version"] = "0.0.1-kt-absent";
        var goneLock = gone.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        File.WriteAllText(lockPath, goneLock);
        var archive = Path.Combine(project, "images", "locked.tar");

        var failed = fixture.Dotnet(project, Freeze("third", "-p:KtLocked=true", $"-p:ContainerArchiveOutputPath={archive}"));

        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains("error KT1040", failed.Output, StringComparison.Ordinal);
        Assert.Contains("apt package jq version 0.0.1-kt-absent", failed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("MSB4018", failed.Output, StringComparison.Ordinal);
        Assert.Equal(goneLock, File.ReadAllText(lockPath));
        Assert.Equal(layoutBefore, File.ReadAllText(layoutIndex));
        Assert.False(File.Exists(archive), "no archive from a failed locked freeze");
    }

    private static string LayoutDigest(string output)
    {
        var match = System.Text.RegularExpressions.Regex.Match(output, @"kt: image kt-msbuild-test/locked@(?<digest>sha256:[0-9a-f]{64})");
        Assert.True(match.Success, "no 'kt: image …@sha256:…' line in:\n" + output);
        return match.Groups["digest"].Value;
    }
}
