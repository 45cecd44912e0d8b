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

    /// <summary>The base image is neither in its registry nor in the local Docker engine (the freeze looks in both).</summary>
    public const string BaseImageNotFound = "KT6009";
}
