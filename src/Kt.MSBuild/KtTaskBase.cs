using Kt.Core;
using Kt.Workflows;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Kt.MSBuild;

/// <summary>
/// Shared shell of every Kt task: runs the work, turns a <see cref="KtException"/> into an MSBuild error carrying its
/// KT code (and the file it concerns), so that the IDE and the command line show a stable code; no logic of its own.
/// </summary>
public abstract class KtTaskBase : Microsoft.Build.Utilities.Task, ICancelableTask
{
    private readonly CancellationTokenSource _cancellation = new();

    protected CancellationToken CancellationToken => _cancellation.Token;

    public void Cancel() => _cancellation.Cancel();

    public sealed override bool Execute()
    {
        try
        {
            ExecuteCore();
        }
        catch (KtException e)
        {
            // An error in a file of the user's (a Dockerfile line) points there, not at Kt's targets.
            var (file, line) = e is KtSourceException source ? (source.File, source.Line) : (ErrorFile, 0);
            Log.LogError(subcategory: "Kt", errorCode: e.Code, helpKeyword: null, file: file,
                lineNumber: line, columnNumber: 0, endLineNumber: 0, endColumnNumber: 0, message: e.Detail);
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            Log.LogWarning("Kt: cancelled.");
        }

        return !Log.HasLoggedErrors;
    }

    /// <summary>The file errors point at (the project file by default).</summary>
    protected virtual string? ErrorFile => BuildEngine?.ProjectFileOfTaskNode;

    protected abstract void ExecuteCore();

    /// <summary>Progress lines are high importance so they show in the default (minimal) verbosity.</summary>
    protected void Progress(string message) => Log.LogMessage(MessageImportance.High, "  kt: " + message);

    /// <summary>The workflows' output: progress at high importance, details (step output) at normal.</summary>
    protected WorkflowOutput Output => new(Progress, line => Log.LogMessage(MessageImportance.Normal, line));
}
