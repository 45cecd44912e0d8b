using System.Text.Json;
using Kt.Docker;
using Kt.ImageCompiler;
using Kt.ImageCompiler.Dockerfiles;
using Kt.ImageCompiler.Freezing;
using Kt.ImageCompiler.Resolution;
using Kt.Oci;
using Kt.TestSupport;

namespace Kt.ImageCompiler.Tests;

/// <summary>Compilation 1 and compilation 2 of one definition give images that behave alike.</summary>
public sealed class DockerfileParityTests : IDisposable
{
    private readonly RegistryClient _registry = new();
    private readonly TempFolder _project = new();

    public void Dispose()
    {
        _registry.Dispose();
        _project.Dispose();
    }

    // The registry copy of the test base and the engine's copy are the same image (.ci/setup pushes one to the other).
    private static Image Definition(string baseImage) => Image.From(baseImage)
        .Env("APP_HOME", "/opt/app")
        .Env("PATH", "$APP_HOME/bin:/usr/local/bin:/usr/bin:/bin")
        .WorkDir("/opt/app")
        .Copy("bin/", "bin/")
        .Copy("conf/*.json", "etc/")
        .Run("mkdir -p /var/kt && echo built > /var/kt/marker && rm -f /etc/issue")
        .User("nobody");

    [DockerFact]
    public async Task Docker_build_and_the_frozen_image_have_the_same_files_modes_env_workdir_user_and_entrypoint()
    {
        Assert.True(Environments.HasRegistry, "the registry from .ci/setup is needed too");
        _project.Write("bin/hello", "#!/bin/sh\necho hello\n", executable: true);
        _project.Write("conf/a.json", "{}");
        _project.Write("conf/b.json", "[]");
        const string builtTag = "kt-test/parity:dockerfile";
        const string frozenTag = "kt-test/parity:frozen";
        try
        {
            var dockerfile = DockerfileCompiler.Write(new DefinitionResolver(_project.Path).Resolve(Definition(Environments.TestBaseImage).Definition), _project.Combine("ctx"));
            ProcessRunner.Run("docker", ["build", "-q", "-t", builtTag, dockerfile.ContextDirectory]).EnsureSuccess("docker build");

            using var engine = await DockerEngine.ConnectAsync();
            var blobs = new BlobCache(_project.Combine("cache"));
            var definition = Definition(Environments.RegistryBaseImage).Definition;
            var frozen = await new ImageFreezer(blobs, engine).FreezeAsync(definition, _project.Path,
                new RegistryImageSource(_registry, ImageReference.Parse(Environments.RegistryBaseImage), blobs));
            await ImageOutputWriter.WriteAsync(frozen.Image, new ImageOutputs { LoadIntoEngine = true, LocalName = frozenTag, Tags = ["frozen"] }, _registry, engine);

            Assert.Equal(Describe(builtTag), Describe(frozenTag));
        }
        finally
        {
            ProcessRunner.Run("docker", ["rmi", "-f", builtTag, frozenTag]);
        }
    }

    private static string Describe(string image)
    {
        var inspect = ProcessRunner.Run("docker", ["image", "inspect", image]).EnsureSuccess("docker image inspect");
        using var document = JsonDocument.Parse(inspect.Output);
        var config = document.RootElement[0].GetProperty("Config");
        var files = ProcessRunner.Run("docker", ["run", "--rm", "--user", "0", "--entrypoint", "/bin/sh", image, "-c",
            "find /opt/app /var/kt -exec stat -c '%n %a %u:%g %s' {} + | sort; test -e /etc/issue && echo issue || echo no-issue; cat /var/kt/marker"])
            .EnsureSuccess("docker run");
        return string.Join('\n',
            // Order is not meaningful (Docker keeps a default PATH first), values are.
            "env=" + string.Join(';', config.GetProperty("Env").EnumerateArray().Select(e => e.GetString()).Order(StringComparer.Ordinal)),
            "workdir=" + config.GetProperty("WorkingDir").GetString(),
            "user=" + config.GetProperty("User").GetString(),
            "entrypoint=" + config.GetProperty("Entrypoint").ToString(),
            files.Output);
    }
}
