namespace Kt.Kubernetes.Api;

/// <summary>
/// Finds the kubeconfig the way kubectl does: the first existing file of <c>$KUBECONFIG</c> (a path list), else
/// <c>~/.kube/config</c>. Kept apart so that "no cluster configured" is decided before anything is sent or pushed.
/// </summary>
public static class KubeconfigLocator
{
    /// <summary>The kubeconfig file to use, or null when there is none.</summary>
    public static string? Find()
    {
        if (Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } list)
        {
            return list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(File.Exists);
        }

        var home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        return File.Exists(home) ? home : null;
    }

    /// <summary>Where <see cref="Find"/> looked, for an error message.</summary>
    public static string Describe() =>
        Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } list
            ? $"no file of KUBECONFIG ({list}) exists"
            : $"KUBECONFIG is not set and {Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config")} does not exist";
}
