namespace Kt.Workflows.Services;

/// <summary>The codes of the service verbs (<c>kt status</c>, <c>describe</c>, <c>logs</c>, <c>forward</c>; docs/errors-cli.md).</summary>
public static class ServiceErrors
{
    /// <summary>No backend holds a service of that name.</summary>
    public const string NotFound = "KT8008";

    /// <summary>More than one backend holds a service of that name and none was named.</summary>
    public const string Ambiguous = "KT8009";

    /// <summary>The service exists but none of its pods answers (or not the pod asked for).</summary>
    public const string NoRunningPods = "KT8010";

    /// <summary><c>kt forward --port</c> names a port that cannot be listened on.</summary>
    public const string PortInUse = "KT8011";
}
