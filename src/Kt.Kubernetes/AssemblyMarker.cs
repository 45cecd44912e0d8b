namespace Kt.Kubernetes;

internal static class AssemblyMarker;
