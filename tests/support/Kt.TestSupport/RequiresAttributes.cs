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
