namespace Kt.ImageCompiler.Resolution;

/// <summary>A file a step places: where it is on this machine, where it goes in the image, its normalised mode and content hash.</summary>
/// <param name="SourcePath">Absolute local path (never part of a key).</param>
/// <param name="ImagePath">Absolute path in the image, '/' separated.</param>
/// <param name="Mode">0644 or 0755 (the execute bit is kept, everything else normalised).</param>
public sealed record ResolvedFile(string SourcePath, string ImagePath, int Mode, long Size, string Sha256)
{
    public const int RegularMode = 0b110_100_100;    // 0644
    public const int ExecutableMode = 0b111_101_101; // 0755
}
