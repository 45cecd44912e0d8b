namespace Kt.Docker;

internal static class AssemblyMarker;
