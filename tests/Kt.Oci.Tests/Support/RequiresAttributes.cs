namespace Kt.Oci.Tests;

/// <summary>A fact that needs the local registry at 127.0.0.1:5000 and skopeo; skipped, with the reason, when they are absent.</summary>
public sealed class RegistryFactAttribute : FactAttribute
{
    public RegistryFactAttribute()
    {
        if (!Tools.RegistryAvailable)
        {
            Skip = "No registry answers on 127.0.0.1:5000.";
        }
        else if (!Tools.SkopeoAvailable)
        {
            Skip = "skopeo is not installed.";
        }
    }
}

/// <summary>A fact that needs skopeo and umoci.</summary>
public sealed class CheckersFactAttribute : FactAttribute
{
    public CheckersFactAttribute()
    {
        if (!Tools.SkopeoAvailable || !Tools.UmociAvailable)
        {
            Skip = "skopeo and umoci are needed as independent checkers.";
        }
    }
}

/// <summary>A fact that needs a Docker engine (/var/run/docker.sock) and the docker CLI.</summary>
public sealed class DockerFactAttribute : FactAttribute
{
    public DockerFactAttribute()
    {
        if (!Tools.DockerAvailable)
        {
            Skip = "No Docker engine at /var/run/docker.sock.";
        }
    }
}
