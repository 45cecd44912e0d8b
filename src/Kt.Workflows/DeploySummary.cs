using System.Globalization;
using Kt.DevLoop;

namespace Kt.Workflows;

/// <summary>The compact lines a deploy prints: phases with timings, the endpoint, a call to paste.</summary>
internal static class DeploySummary
{
    public static IEnumerable<string> Lines(DeployReport report, CallExample? example)
    {
        var t = report.Timings;
        var pods = report.Pods;
        string Ms(double value) => value.ToString("0", CultureInfo.InvariantCulture) + " ms";
        var created = pods.Created > 0 ? $", {pods.Created} started" : "";
        var recreated = report.Recreated > 0 ? $", {report.Recreated} recreated" : "";
        yield return $"{pods.Service} → {pods.Backend}: {pods.Pods.Count} pod{(pods.Pods.Count == 1 ? "" : "s")}{created}{recreated}";
        yield return $"compile {Ms(t.Compile)} · pods {Ms(t.Pods)} · setup {report.StepsRun} step{(report.StepsRun == 1 ? "" : "s")} {Ms(t.Setup)} · "
            + $"sync {report.UploadedBlobs}/{report.Files} files {Bytes(report.UploadedBytes)} {Ms(t.Sync)} · ready {Ms(t.Ready)} · total {Ms(t.Total)}";
        yield return $"{report.Version} serving at {pods.Pods[0].Address}";
        if (example is not null)
        {
            var token = pods.TokenFile is null ? "<token>" : $"$(cat {pods.TokenFile})";
            yield return $"call: curl -s -H \"Authorization: Bearer {token}\" -d '{example.Body}' {pods.Pods[0].Address}{example.Path}";
        }
    }

    private static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        _ => (bytes / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
    };
}
