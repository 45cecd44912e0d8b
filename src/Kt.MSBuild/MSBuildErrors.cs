namespace Kt.MSBuild;

/// <summary>The KT6xxx codes of mapping csproj items to the definition (see docs/errors-msbuild.md; the workflows' own are in <c>Kt.Workflows.WorkflowErrors</c>).</summary>
public static class MSBuildErrors
{
    /// <summary>A <c>KtSetup</c> item names a step kind Kt does not know.</summary>
    public const string UnknownSetupKind = "KT6001";

    /// <summary>A numeric Kt property (<c>KtGpus</c>, <c>KtReplicas</c>) is not a non-negative whole number.</summary>
    public const string InvalidNumber = "KT6002";

    /// <summary>More than one <c>KtAutoscale</c> or <c>KtDistribute</c> item: a service scales one way.</summary>
    public const string DuplicateClusterItem = "KT6007";

    /// <summary>A warning: a <c>KtSetup</c> item carries metadata its step kind does not read (e.g. a misspelled <c>Vaule</c>).</summary>
    public const string IgnoredSetupMetadata = "KT6008";

    /// <summary>Warning: an SDK container property Kt does not apply (named in the message), e.g. <c>ContainerFamily</c>.</summary>
    public const string ContainerPropertyIgnored = "KT6010";

    /// <summary>A fault of Kt's own that is no KT error (a bug): reported with its type and message, never as MSB4018.</summary>
    public const string Unexpected = "KT6011";
}
