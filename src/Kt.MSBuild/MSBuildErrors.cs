namespace Kt.MSBuild;

/// <summary>The KT6xxx codes of the MSBuild glue (see docs/errors-msbuild.md).</summary>
public static class MSBuildErrors
{
    /// <summary>A <c>KtSetup</c> item names a step kind Kt does not know.</summary>
    public const string UnknownSetupKind = "KT6001";

    /// <summary>A numeric Kt property (<c>KtGpus</c>, <c>KtReplicas</c>) is not a non-negative whole number.</summary>
    public const string InvalidNumber = "KT6002";

    /// <summary><c>kt.definition.json</c> is missing or not a valid definition.</summary>
    public const string DefinitionUnreadable = "KT6004";

    /// <summary>The image name properties (<c>ContainerRegistry</c>, <c>ContainerRepository</c>, <c>ContainerImageTags</c>) do not form a valid reference.</summary>
    public const string InvalidImageName = "KT6005";

    /// <summary><c>KtCompute=kubernetes</c> without <c>ContainerRegistry</c>: the cluster could not pull the runtime image.</summary>
    public const string RegistryRequired = "KT6006";

    /// <summary>More than one <c>KtAutoscale</c> or <c>KtDistribute</c> item: a service scales one way.</summary>
    public const string DuplicateClusterItem = "KT6007";
}
