namespace Kt.ImageCompiler;

/// <summary>The KT1xxx codes of image definitions (see docs/errors-image.md).</summary>
public static class ImageErrors
{
    public const string UnknownStepKind = "KT1001";
    public const string InvalidEnvName = "KT1002";
    public const string EmptyPackageList = "KT1003";
    public const string InvalidPackageName = "KT1004";
    public const string MissingArgument = "KT1005";
    public const string CopySourceMissing = "KT1006";
    public const string CopySourceOutsideProject = "KT1007";
    public const string UnsupportedDockerfileInstruction = "KT1008";
    public const string MalformedDockerfile = "KT1009";
    public const string InvalidImageReference = "KT1010";
    public const string InvalidDestination = "KT1011";
    public const string AppMissing = "KT1012";
    public const string MissingBase = "KT1013";
    public const string EngineRequired = "KT1014";
    public const string StepFailed = "KT1015";
    public const string BundleMissing = "KT1016";
    public const string InvalidPort = "KT1017";

    // What a command step needs in the image it runs in (said by the step's own guard, before it installs anything).
    public const string PipUnavailable = Kt.Core.StepPrerequisites.PipUnavailable;
    public const string DotnetSdkUnavailable = Kt.Core.StepPrerequisites.DotnetSdkUnavailable;

    // Lockfile (kt.lock.json): numbered apart from the definition codes above.
    public const string PinnedVersionGone = "KT1040";
    public const string NotInLockfile = "KT1041";
    public const string LockfileUnreadable = "KT1042";
}
