using System.Globalization;
using Kt.DevLoop;
using Kt.PodRuntime.Protocol;

namespace Kt.Workflows;

/// <summary>The compact lines a deploy prints: phases with timings, the endpoint, a call to paste.</summary>
internal static class DeploySummary
{
    /// <param name="report">What the deploy did.</param>
    /// <param name="example">A function of the project to show a call of.</param>
    /// <param name="cluster">
    /// For a cluster, the address that still works once the build has exited (its own port-forwards end with it): a
    /// <c>kubectl port-forward</c> to the Service, and the token read from the Secret.
    /// </param>
    public static IEnumerable<string> Lines(DeployReport report, CallExample? example, ClusterReach? cluster = null)
    {
        var t = report.Timings;
        var pods = report.Pods;
        string Ms(double value) => value.ToString("0", CultureInfo.InvariantCulture) + " ms";
        var created = pods.Created > 0 ? $", {pods.Created} started" : "";
        var recreated = report.Recreated > 0 ? $", {report.Recreated} recreated" : "";
        yield return $"{pods.Service} → {pods.Backend}: {pods.Pods.Count} pod{(pods.Pods.Count == 1 ? "" : "s")}{created}{recreated}";
        yield return $"compile {Ms(t.Compile)} · pods {Ms(t.Pods)} · setup {report.StepsRun} step{(report.StepsRun == 1 ? "" : "s")} {Ms(t.Setup)} · "
            + $"sync {report.UploadedBlobsPerPod}/{report.Files} files{(pods.Pods.Count > 1 ? " per pod" : "")} {Bytes(report.UploadedBytes)} {Ms(t.Sync)} · ready {Ms(t.Ready)} · total {Ms(t.Total)}";
        if (cluster is not null)
        {
            yield return $"{report.Version} serving as Service {cluster.Service}:{cluster.Port} in namespace '{cluster.Namespace}'; "
                + $"reach it: kubectl -n {cluster.Namespace} port-forward svc/{cluster.Service} {cluster.Port}:{cluster.Port}";
        }
        else
        {
            yield return $"{report.Version} serving at {pods.Pods[0].Address}";
        }

        if (example is not null)
        {
            var token = cluster is not null ? $"$({cluster.TokenCommand})" : pods.TokenFile is null ? "<token>" : $"$(cat {pods.TokenFile})";
            var address = cluster is not null ? new Uri($"http://127.0.0.1:{cluster.Port}/") : pods.Pods[0].Address;
            yield return $"call: curl -s -H \"Authorization: Bearer {token}\" -d '{example.Body}' {address}{example.Path}";
        }
    }

    /// <summary>A service on a cluster, as a user reaches it from this machine after the build.</summary>
    internal sealed record ClusterReach(string Service, string Namespace, int Port)
    {
        public string TokenCommand => $"kubectl -n {Namespace} get secret {PodRuntimeLayout.TokenSecretName(Service)} -o jsonpath='{{.data.token}}' | base64 -d";
    }

    private static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        _ => (bytes / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
    };
}
