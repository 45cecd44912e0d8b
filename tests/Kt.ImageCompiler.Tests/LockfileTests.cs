using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Kt.Core;
using Kt.ImageCompiler.Locking;
using Kt.ImageCompiler.Planning;
using Kt.ImageCompiler.Resolution;
using Kt.TestSupport;

namespace Kt.ImageCompiler.Tests;

/// <summary>The lockfile's pure parts: reading a layer, pinning commands without changing keys, saying what changed.</summary>
public sealed class LockfileTests : IDisposable
{
    private readonly TempFolder _project = new("kt-lock");

    public void Dispose() => _project.Dispose();

    private const string Status = """
        Package: base-files
        Status: install ok installed
        Version: 12.4+deb12u5

        Package: jq
        Status: install ok installed
        Architecture: amd64
        Version: 1.6-2.1

        Package: libjq1
        Status: install ok installed
        Version: 1.6-2.1

        Package: gone
        Status: deinstall ok config-files
        Version: 1.0

        """;

    [Fact]
    public async Task A_layer_tells_what_it_installed_from_dpkg_status_dist_info_and_the_tool_store()
    {
        var layer = WriteLayer(new Dictionary<string, string>
        {
            ["var/lib/dpkg/status"] = Status,
            ["var/lib/dpkg/info/jq.list"] = "/usr/bin/jq\n",
            ["var/lib/dpkg/info/libjq1:amd64.list"] = "/usr/lib/libjq.so.1\n",
            ["var/lib/dpkg/info/gone.list"] = "",
            ["usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA"] = "Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n\nSix is a library.\nName: not-a-header\n",
            ["opt/kt/tools/.store/dotnet-counters/9.0.1/dotnet-counters/9.0.1/tools/net8.0/any/dotnet-counters.dll"] = "x",
        });

        var packages = await LayerPackages.ReadAsync(layer, "application/vnd.oci.image.layer.v1.tar+gzip", CancellationToken.None);

        Assert.Equal([new LockedPackage("jq", "1.6-2.1"), new LockedPackage("libjq1", "1.6-2.1")], packages.Apt); // base-files was not touched, gone is not installed
        Assert.Equal([new LockedPackage("six", "1.16.0")], packages.Pip);
        Assert.Equal([new LockedPackage("dotnet-counters", "9.0.1")], packages.Tools);
    }

    [Fact]
    public void Pinning_changes_what_runs_but_not_the_step_keys_live_plans_and_journals_use()
    {
        var image = Image.From("debian:bookworm").AptInstall("jq", "curl").PipInstall("six").DotnetTool("dotnet-counters").Run("echo hi").Env("A", "1");
        var resolved = new DefinitionResolver(_project.Path).Resolve(image.Definition);
        var steps = resolved.Steps;
        var imageLock = new ImageLock(ImageLock.CurrentVersion, new LockedBase("debian:bookworm", "sha256:" + new string('a', 64)),
        [
            new LockedStep(steps[0].Key.Hex, "apt", steps[0].Description) { Apt = [new("jq", "1.6-2.1"), new("libjq1", "1.6-2.1")] },
            new LockedStep(steps[1].Key.Hex, "pip", steps[1].Description) { Pip = [new("six", "1.16.0")] },
            new LockedStep(steps[2].Key.Hex, "dotnet-tool", steps[2].Description) { Tools = [new("dotnet-counters", "9.0.1")] },
        ]);
        imageLock.Write(_project.Combine(ImageLock.FileName));

        var live = LivePlanner.Plan(LockPinning.ApplyWhereLocked(resolved, _project.Combine(ImageLock.FileName)), []);
        var frozen = LockPinning.Apply(resolved, imageLock, ImageLock.FileName);

        Assert.Equal(steps.Select(s => s.Key.Hex), frozen.Steps.Select(s => s.Key.Hex));
        Assert.Equal(steps.Select(s => s.Key.Hex), live.Steps.Select(s => s.Key));
        Assert.Equal(["jq=1.6-2.1", "libjq1=1.6-2.1", "curl"], frozen.Steps[0].Pins!); // curl came with the base: as declared
        Assert.Contains("apt-get install -y --no-install-recommends jq=1.6-2.1 libjq1=1.6-2.1 curl && apt-mark auto libjq1", live.Steps[0].Shell, StringComparison.Ordinal);
        Assert.Contains("pip install --no-cache-dir six==1.16.0", live.Steps[1].Shell, StringComparison.Ordinal);
        Assert.Contains("dotnet-counters --version 9.0.1", live.Steps[2].Shell, StringComparison.Ordinal);
        Assert.Equal("echo hi", live.Steps[3].Shell);
        Assert.NotEqual(steps[0].CacheKey, frozen.Steps[0].CacheKey); // a layer of other versions is never taken for the locked one
        Assert.Equal(steps[3].CacheKey, frozen.Steps[3].CacheKey);
    }

    [Fact]
    public void A_locked_freeze_of_a_step_the_lockfile_lacks_is_KT1041_and_a_broken_lockfile_KT1042()
    {
        var resolved = new DefinitionResolver(_project.Path).Resolve(Image.From("debian:bookworm").AptInstall("jq").Definition);
        var empty = new ImageLock(ImageLock.CurrentVersion, new LockedBase("debian:bookworm", "sha256:" + new string('a', 64)), []);

        var missing = Assert.Throws<KtException>(() => LockPinning.Apply(resolved, empty, "kt.lock.json"));
        Assert.Equal(ImageErrors.NotInLockfile, missing.Code);
        Assert.Contains("apt install jq", missing.Message, StringComparison.Ordinal);

        var broken = _project.Write(ImageLock.FileName, "{\"version\":1,\"base\":{\"reference\":\"x\",\"digest\":\"nope\"},\"steps\":[]}");
        var unreadable = Assert.Throws<KtException>(() => ImageLock.TryRead(broken));
        Assert.Equal(ImageErrors.LockfileUnreadable, unreadable.Code);
        Assert.Contains(broken, unreadable.Message, StringComparison.Ordinal);
        Assert.Null(ImageLock.TryRead(_project.Combine("nothing-here.json")));
    }

    [Theory]
    [InlineData("E: Version '0.0.1' for 'jq' was not found", "apt package jq version 0.0.1")]
    [InlineData("ERROR: Could not find a version that satisfies the requirement six==0.0.1\nERROR: No matching distribution found for six==0.0.1", "pip package six==0.0.1")]
    [InlineData("Version 0.0.1 of package dotnet-counters is not found in NuGet feeds https://api.nuget.org/v3/index.json.", "dotnet tool dotnet-counters version 0.0.1")]
    [InlineData("error NU1102: Unable to find package dotnet-counters with version (= 0.0.1)", "dotnet tool dotnet-counters version 0.0.1")]
    public void A_pinned_step_that_fails_for_a_gone_version_is_KT1040_naming_it(string output, string named)
    {
        var resolved = new DefinitionResolver(_project.Path).Resolve(Image.From("debian:bookworm").AptInstall("jq").Definition);
        var step = resolved.Steps[0];

        Assert.Null(LockPinning.VersionGone(step, output)); // not pinned: an ordinary step failure
        var gone = LockPinning.VersionGone(step with { Pins = ["jq=0.0.1"] }, output);
        Assert.NotNull(gone);
        Assert.Equal(ImageErrors.PinnedVersionGone, gone.Code);
        Assert.Contains(named, gone.Message, StringComparison.Ordinal);
        Assert.Null(LockPinning.VersionGone(step with { Pins = ["jq=0.0.1"] }, "E: Unable to fetch some archives, maybe run apt-get update"));
    }

    [Fact]
    public void The_changes_of_an_update_are_one_line_each()
    {
        var before = new ImageLock(1, new LockedBase("debian:bookworm", "sha256:" + new string('a', 64)),
            [new LockedStep(new string('1', 64), "apt", "apt install jq") { Apt = [new("jq", "1.6-2.1"), new("libonig5", "6.9.8-1")] },
             new LockedStep(new string('2', 64), "run", "run echo")]);
        var after = before with
        {
            Base = before.Base with { Digest = "sha256:" + new string('b', 64) },
            Steps = [new LockedStep(new string('1', 64), "apt", "apt install jq") { Apt = [new("jq", "1.7.1-3"), new("libjq1", "1.7.1-3")] }],
        };

        Assert.Equal(
        [
            $"base debian:bookworm@sha256:{new string('a', 64)} → debian:bookworm@sha256:{new string('b', 64)}",
            "step 111111111111 'apt install jq': apt jq 1.6-2.1 → 1.7.1-3",
            "step 111111111111 'apt install jq': apt libjq1 1.7.1-3 added",
            "step 111111111111 'apt install jq': apt libonig5 6.9.8-1 removed",
            "- step 222222222222 'run echo'",
        ], LockChanges.Between(before, after));
    }

    private string WriteLayer(IReadOnlyDictionary<string, string> files)
    {
        var path = _project.Combine("layer.tar.gz");
        using (var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        using (var writer = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            foreach (var (name, content) in files)
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "./" + name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) });
            }
        }

        return path;
    }
}

/// <summary>The SBOM's step packages: what the layers installed, each with its purl, layer and step.</summary>
public sealed class SbomTests
{
    [Fact]
    public void Step_packages_base_and_NuGet_packages_become_CycloneDX_components_once_each()
    {
        var layer = Digest.Compute("layer"u8);
        var key = new string('1', 64);
        var contents = new ImageLock(ImageLock.CurrentVersion, new LockedBase("127.0.0.1:5000/kt-test/debian:bookworm", "sha256:" + new string('a', 64)),
        [
            new LockedStep(key, "apt", "apt install jq") { Apt = [new("jq", "1.6-2.1+deb12u3"), new("libjq1", "1.6-2.1+deb12u3")], Pip = [new("Six_Lib", "1.16.0")] },
            new LockedStep(new string('2', 64), "dotnet-tool", "dotnet tool install dotnet-counters") { Tools = [new("dotnet-counters", "9.0.1")] },
        ]);

        var bytes = Sbom.CycloneDxSbom.Create("127.0.0.1:5000/team/app", Digest.Compute("image"u8), contents, new Dictionary<string, Digest> { [key] = layer },
            [new Sbom.NuGetPackage("Newtonsoft.Json", "13.0.3", "ab", "MIT", null), new Sbom.NuGetPackage("Old", "1.0.0", null, null, "https://example.org/licence")], packagesLayer: null);
        var again = Sbom.CycloneDxSbom.Create("127.0.0.1:5000/team/app", Digest.Compute("image"u8), contents, new Dictionary<string, Digest> { [key] = layer },
            [new Sbom.NuGetPackage("Newtonsoft.Json", "13.0.3", "ab", "MIT", null), new Sbom.NuGetPackage("Old", "1.0.0", null, null, "https://example.org/licence")], packagesLayer: null);

        Assert.Equal(bytes, again); // no timestamp: one image, one SBOM
        var components = System.Text.Json.Nodes.JsonNode.Parse(bytes)!["components"]!.AsArray();
        var purls = components.Select(c => c!["purl"]!.GetValue<string>()).ToList();
        Assert.Equal(
        [
            "pkg:oci/debian@sha256%3A" + new string('a', 64) + "?repository_url=127.0.0.1%3A5000%2Fkt-test%2Fdebian",
            "pkg:nuget/Newtonsoft.Json@13.0.3",
            "pkg:nuget/Old@1.0.0",
            "pkg:deb/debian/jq@1.6-2.1%2Bdeb12u3",
            "pkg:deb/debian/libjq1@1.6-2.1%2Bdeb12u3",
            "pkg:pypi/six-lib@1.16.0",
            "pkg:nuget/dotnet-counters@9.0.1",
        ], purls);
        var jq = components.Single(c => c!["name"]!.GetValue<string>() == "jq")!;
        Assert.Equal(layer.ToString(), jq["properties"]![0]!["value"]!.GetValue<string>());
        Assert.Equal(key, jq["properties"]![1]!["value"]!.GetValue<string>());
        Assert.Equal("https://example.org/licence", components.Single(c => c!["name"]!.GetValue<string>() == "Old")!["licenses"]![0]!["license"]!["url"]!.GetValue<string>());
    }

    [Fact]
    public void What_Kts_own_layers_install_is_listed_with_its_layer()
    {
        var runtimeLayer = Digest.Compute("dotnet layer"u8);
        var contents = new ImageLock(ImageLock.CurrentVersion, new LockedBase("127.0.0.1:5000/kt-test/debian:bookworm", "sha256:" + new string('a', 64)), []);
        var dotnet = new Model.BundledComponent("framework", "Microsoft.NETCore.App", "10.0.1", "pkg:nuget/Microsoft.NETCore.App.Runtime.linux-x64@10.0.1");

        var bytes = Sbom.CycloneDxSbom.Create("127.0.0.1:5000/team/app", Digest.Compute("image"u8), contents, new Dictionary<string, Digest>(), [], packagesLayer: null,
            bundled: [(dotnet, runtimeLayer)]);

        var component = System.Text.Json.Nodes.JsonNode.Parse(bytes)!["components"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "Microsoft.NETCore.App")!;
        Assert.Equal(("framework", "10.0.1", dotnet.Purl), (component["type"]!.GetValue<string>(), component["version"]!.GetValue<string>(), component["purl"]!.GetValue<string>()));
        Assert.Equal(runtimeLayer.ToString(), component["properties"]![0]!["value"]!.GetValue<string>());
    }
}
