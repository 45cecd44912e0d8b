using Xunit;

namespace Kt.TestSupport;

/// <summary>A fact that needs the Docker engine; skipped with the reason only where none runs (CI's setup starts one).</summary>
public sealed class DockerFactAttribute : FactAttribute
{
    public DockerFactAttribute()
    {
        if (!Environments.HasDocker)
        {
            Skip = "needs a Docker engine at /var/run/docker.sock (.ci/setup starts one)";
        }
    }
}

/// <summary>A fact that needs the local registry on 127.0.0.1:5000 (and the tools .ci/setup installs).</summary>
public sealed class RegistryFactAttribute : FactAttribute
{
    public RegistryFactAttribute()
    {
        if (!Environments.HasRegistry)
        {
            Skip = "needs the registry on 127.0.0.1:5000 with kt-test/debian:bookworm (.ci/setup provides it)";
        }
    }
}
