namespace Kt.ImageCompiler;

internal static class AssemblyMarker;
