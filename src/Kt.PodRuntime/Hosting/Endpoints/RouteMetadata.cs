namespace Kt.PodRuntime.Hosting.Endpoints;

/// <summary>
/// Marks a route answered without the bearer token. Only the kubelet's probes carry it: they cannot send a token, and
/// what they answer (a bare yes/no, the service's health) says nothing a caller could use.
/// </summary>
internal sealed class AnonymousRoute
{
    public static readonly AnonymousRoute Instance = new();

    private AnonymousRoute()
    {
    }
}

/// <summary>Marks a route that changes the pod's setup or code: refused on a frozen image (KT4050).</summary>
internal sealed class ChangesPodRoute
{
    public static readonly ChangesPodRoute Instance = new();

    private ChangesPodRoute()
    {
    }
}
