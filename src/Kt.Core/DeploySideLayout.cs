namespace Kt.Core;

/// <summary>
/// Where a program finds the deploy side it loads on demand: a folder of that name next to it (the Kt.Client package
/// copies it into the build output, never into the publish output). Code syncs leave it out, as they leave out the
/// pod runtime's folder.
/// </summary>
public static class DeploySideLayout
{
    public const string FolderName = "kt-deploy";
}
