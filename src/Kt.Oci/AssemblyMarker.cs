namespace Kt.Oci;

internal static class AssemblyMarker;
