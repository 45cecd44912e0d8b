using Kt.Core;
using Kt.PodRuntime.Client;
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
            LogKtError(e.Code, e.Detail, Locate(e));
        }
        catch (RemoteException e)
        {
            // A pod's own error (KT4xxx) that no workflow turned into a KtException keeps the pod's code.
            LogKtError(e.Code ?? MSBuildErrors.Unexpected, $"{e.Pod ?? "a pod"} answered: {e.Error.Message}", (ErrorFile, 0));
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            LogKtError(WorkflowErrors.Cancelled, WorkflowErrors.CancelledMessage, (ErrorFile, 0));
        }
        catch (Exception e) when (EnvironmentFaults.Classify(e) is { } fault)
        {
            // This machine's fault (a full disk, a path that is not writable), not Kt's: its own code, not KT6011.
            LogKtError(fault.Code, fault.Detail, (ErrorFile, 0));
        }
        catch (Exception e)
        {
            // Never MSB4018 and its stack trace: one error with a code; the trace only at detailed verbosity.
            LogKtError(MSBuildErrors.Unexpected, $"Kt failed unexpectedly ({e.GetType().FullName}: {e.Message}); this is a bug in Kt, please report it with the build log at -v:d", (ErrorFile, 0));
            Log.LogMessage(MessageImportance.Low, e.ToString());
        }
        finally
        {
            LoadedAssemblies.ReportIfAsked();
        }

        return !Log.HasLoggedErrors;
    }

    /// <summary>The <c>KtSetup</c> items this task's errors may concern (a failed step points at its item); none by default.</summary>
    protected virtual IReadOnlyList<ITaskItem> SetupItems => [];

    /// <summary>
    /// An error in a file of the user's points there (a Dockerfile line, the KtSetup item's line, the line of the
    /// property it concerns), never at Kt's targets.
    /// </summary>
    private (string? File, int Line) Locate(KtException e) => e switch
    {
        KtSourceException source => (source.File, source.Line),
        _ when SetupItemLocation.Find(e is KtStepException step ? step.Origin : e.Detail, SetupItems) is { } item => item,
        _ when !string.IsNullOrEmpty(ProjectFile) => PropertyLocation.Find(e.Code, e.Detail, ProjectFile),
        _ => (ErrorFile, 0),
    };

    // One error line (MSBuild would print each line of a multi-line message as an error of its own: a failed step's
    // output tail made 22 of them); what follows the first line (a step's output) is printed after it as plain lines.
    private void LogKtError(string code, string message, (string? File, int Line) at)
    {
        var lines = message.Split('\n');
        Log.LogError(subcategory: "Kt", errorCode: code, helpKeyword: null, file: at.File,
            lineNumber: at.Line, columnNumber: 0, endLineNumber: 0, endColumnNumber: 0, message: lines[0].TrimEnd('\r'));
        foreach (var line in lines.Skip(1))
        {
            Log.LogMessage(MessageImportance.High, "    " + line.TrimEnd('\r'));
        }
    }

    /// <summary><c>$(MSBuildProjectFullPath)</c>: the user's project, which errors point at (the task itself runs in Kt's targets).</summary>
    public string? ProjectFile { get; set; }

    /// <summary>The file errors point at: the user's project file.</summary>
    protected virtual string? ErrorFile => string.IsNullOrEmpty(ProjectFile) ? BuildEngine?.ProjectFileOfTaskNode : ProjectFile;

    protected abstract void ExecuteCore();

    /// <summary>Progress lines are high importance so they show in the default (minimal) verbosity.</summary>
    protected void Progress(string message) => Log.LogMessage(MessageImportance.High, "  kt: " + message);

    /// <summary>The workflows' output: progress at high importance, details (step output) at normal.</summary>
    protected WorkflowOutput Output => new(Progress, line => Log.LogMessage(MessageImportance.Normal, line));
}
