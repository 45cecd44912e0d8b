using Kt.Core;
using Kt.Docker;
using Kt.ImageCompiler.Freezing;
using Kt.Oci;
using Kt.TestSupport;

namespace Kt.ImageCompiler.Tests;

/// <summary>
/// A pip or dotnet-tool step that the base image surely cannot serve is refused before any step runs — the earlier
/// apt step never starts — with the step guard's code, read from the real Debian test image's layers. A step that
/// may bring Python or the SDK (an apt step naming it, an opaque run step) lets it through to its own guard.
/// </summary>
public sealed class PrerequisiteRefusalTests : IDisposable
{
    private readonly RegistryClient _registry = new();

    public void Dispose() => _registry.Dispose();

    [DockerFact]
    public async Task A_freeze_refuses_a_pip_step_on_the_debian_base_before_its_apt_step_runs()
    {
        Assert.True(Environments.HasRegistry, "the registry from .ci/setup is needed too");
        using var project = new TempFolder();
        using var engine = await DockerEngine.ConnectAsync();
        // Without network the apt step would fail with its own error if it ran: KT1020 shows nothing ran.
        var image = Image.From(Environments.RegistryBaseImage).AptInstall("jq").PipInstall("six==1.16.0");
        var blobs = new BlobCache(project.Combine("blobs"));
        var progress = new List<string>();

        var error = await Assert.ThrowsAsync<KtException>(() => new ImageFreezer(blobs, engine).FreezeAsync(image.Definition, project.Path,
            new RegistryImageSource(_registry, ImageReference.Parse(Environments.RegistryBaseImage), blobs), progress: new SynchronousProgress(progress.Add)));

        Assert.Equal(StepPrerequisites.PipUnavailable, error.Code);
        Assert.StartsWith("setup step 2 'pip install six==1.16.0' was refused before any step ran", error.Detail, StringComparison.Ordinal);
        Assert.Contains("python:3.12-slim", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("(KT1020)", error.Message, StringComparison.Ordinal);
        Assert.Empty(progress); // no step reported: none ran
    }

    [RegistryFact]
    public async Task The_debian_base_has_neither_python_nor_the_sdk_and_what_may_bring_them_lets_the_step_through()
    {
        using var project = new TempFolder();
        var debian = await LoadAsync(project, Environments.RegistryBaseImage);
        var files = (await ImageFileList.ReadAsync(debian))!;
        Assert.True(files.Exists("/bin/sh"), "/bin is a link to usr/bin in the Debian image: links are followed");
        Assert.Contains("sh", files.Children("/bin"));
        Assert.False(files.Exists("/usr/bin/python3"));

        Assert.Equal((1, StepPrerequisites.PipUnavailable), Refused(files, Step("env"), Step("pip")));
        Assert.Equal((0, StepPrerequisites.DotnetSdkUnavailable), Refused(files, Step("dotnet-tool"), Step("pip")));
        Assert.Null(StepPrerequisites.FirstUnmet([Step("apt", "python3-pip"), Step("pip")], files));
        Assert.Null(StepPrerequisites.FirstUnmet([Step("apt", "dotnet-sdk-10.0"), Step("dotnet-tool")], files));
        Assert.Null(StepPrerequisites.FirstUnmet([Step("run"), Step("pip"), Step("dotnet-tool")], files)); // a run step is opaque
        Assert.Equal((1, StepPrerequisites.PipUnavailable), Refused(files, Step("apt", "jq"), Step("pip"))); // jq brings no Python

        // The same base with Debian's python3-pip files in a layer on top: pip may run.
        var python = await new LayerBuilder()
            .AddBytes("/usr/bin/python3", "#!/bin/false\n"u8.ToArray(), executable: true)
            .AddBytes("/usr/lib/python3/dist-packages/pip/__init__.py", "\n"u8.ToArray())
            .BuildAsync(new BlobCache(project.Combine("layers")));
        var withPython = ImageAssembler.Assemble(debian, [ImageStep.ForLayer(python, "python3-pip")], new ImageSettings());
        Assert.Null(StepPrerequisites.FirstUnmet([Step("pip")], (await ImageFileList.ReadAsync(withPython))!));
    }

    private static PrerequisiteStep Step(string kind, params string[] packages) => new(kind, kind + " step", packages, null);

    private static (int, string)? Refused(IImageFiles files, params PrerequisiteStep[] steps) =>
        StepPrerequisites.FirstUnmet(steps, files) is { } unmet ? (unmet.StepIndex, unmet.Error.Code) : null;

    private async Task<OciImage> LoadAsync(TempFolder project, string reference) =>
        await new RegistryImageSource(_registry, ImageReference.Parse(reference), new BlobCache(project.Combine("blobs"))).LoadAsync();

    private sealed class SynchronousProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
