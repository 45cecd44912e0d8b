namespace Kt.Workflows;

/// <summary>
/// The KT6xxx codes the workflows raise (see docs/errors-msbuild.md; they keep the codes they had as MSBuild task
/// errors, since the csproj properties are still what the user fixes).
/// </summary>
public static class WorkflowErrors
{
    /// <summary><c>kt.definition.json</c> is missing or not a valid definition.</summary>
    public const string DefinitionUnreadable = "KT6004";

    /// <summary>The image name properties (<c>ContainerRegistry</c>, <c>ContainerRepository</c>, <c>ContainerImageTags</c>) do not form a valid reference.</summary>
    public const string InvalidImageName = "KT6005";

    /// <summary><c>KtCompute=kubernetes</c> without <c>ContainerRegistry</c>: the cluster could not pull the runtime image.</summary>
    public const string RegistryRequired = "KT6006";

    /// <summary>
    /// A deploy, freeze or teardown was cancelled (Ctrl+C). What was cut off is not half-done: a setup step running on a
    /// pod is stopped and not journaled, a code version switches whole or not at all; the next run finishes the work.
    /// </summary>
    public const string Cancelled = "KT6013";

    /// <summary>The one message for <see cref="Cancelled"/>, whichever front end (MSBuild, <c>kt</c>) was interrupted.</summary>
    public static string CancelledMessage =>
        "cancelled (Ctrl+C); nothing was left half-done (a setup step that was running on a pod was stopped and not journaled, code switches whole or not at all) and the next run finishes the work";

    /// <summary>The base image is neither in its registry nor in the local Docker engine (the freeze looks in both).</summary>
    public const string BaseImageNotFound = "KT6009";
}
