using System.Globalization;
using Kt.Workflows.Services;

namespace Kt.Cli;

/// <summary>How <c>kt status</c> and <c>kt describe</c> print: aligned plain columns, the same on a terminal and in a log.</summary>
internal static class ServiceReport
{
    public static void WriteStatus(TextWriter output, IReadOnlyList<BackendInventory> inventory, DateTimeOffset now)
    {
        foreach (var backend in inventory)
        {
            var where = backend.Namespace is null ? backend.Backend : $"{backend.Backend} (namespace {backend.Namespace})";
            if (backend.Unavailable is not null)
            {
                output.WriteLine($"{where}: not reachable: {backend.Unavailable}");
                continue;
            }

            if (backend.Services.Count == 0)
            {
                output.WriteLine($"{where}: no services");
                continue;
            }

            output.WriteLine(where);
            var rows = new List<string[]> { new[] { "  SERVICE", "PODS", "VERSION", "STEPS", "AGE" } };
            foreach (var service in backend.Services)
            {
                var answering = service.Pods.Count(p => p.Unreachable is null && p.Endpoint is not null);
                rows.Add([$"  {service.Service.Service}", $"{answering}/{service.Service.Pods.Count}", Version(service.Version), Number(service.Steps), Age(service.Started, now)]);
                foreach (var pod in service.Pods)
                {
                    rows.Add([$"    {pod.Pod.Name}", pod.Pod.State, Version(pod.Version), Number(pod.Unreachable is null && pod.Endpoint is not null ? pod.Journal.Count : null),
                        Age(pod.Pod.Started, now), pod.Unreachable ?? $"setup {pod.Setup}"]);
                }
            }

            WriteColumns(output, rows);
        }
    }

    /// <summary>A version as the pods report it; one with IL deltas applied (kt watch) says so: <c>X+3 (base X + 3 deltas)</c>.</summary>
    private static string Version(string? version) => version is null ? "-" : Kt.PodRuntime.Protocol.DeltaVersions.Describe(version);

    public static void WriteDescription(TextWriter output, LocatedService located, DateTimeOffset now)
    {
        var status = located.Status;
        var service = status.Service;
        WriteColumns(output,
        [
            ["service", service.Service],
            ["backend", service.Namespace is null ? service.Backend : $"{service.Backend} (namespace {service.Namespace})"],
            ["image", service.Image ?? "- (this machine's .NET; no image)"],
            ["pods", $"{status.Pods.Count(p => p.Endpoint is not null && p.Unreachable is null)} of {service.Pods.Count} answering"],
            ["version", Version(status.Version)],
            ["age", Age(status.Started, now)],
        ]);

        // The journal is the definition as the pod applied it: the same step keys as the Dockerfile comments and OCI history.
        var journal = status.Pods.Where(p => p.Unreachable is null && p.Endpoint is not null).MaxBy(p => p.Journal.Count)?.Journal ?? [];
        output.WriteLine();
        output.WriteLine(journal.Count == 0 ? "setup: no steps journaled" : "setup (the definition's steps, as the pods journaled them)");
        WriteColumns(output, journal.Select((step, i) => new[]
        {
            $"  {(i + 1).ToString(CultureInfo.InvariantCulture)}.", step.Kind, step.Description, $"key {step.Key[..Math.Min(12, step.Key.Length)]}",
        }).ToList());

        output.WriteLine();
        output.WriteLine("pods");
        WriteColumns(output, status.Pods.Select(pod => new[]
        {
            $"  {pod.Pod.Name}", pod.Pod.State, pod.Pod.Started is { } started ? $"started {started.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)} ({Age(started, now)})" : "started -",
            pod.Endpoint?.Address.ToString() ?? "-", pod.Version is null ? "-" : $"version {Version(pod.Version)}",
            pod.Unreachable ?? $"setup {pod.Setup}, {pod.Journal.Count.ToString(CultureInfo.InvariantCulture)} steps",
        }).ToList());

        output.WriteLine();
        output.WriteLine("events");
        foreach (var pod in status.Pods.Where(p => p.OomKill is not null))
        {
            output.WriteLine($"  {pod.Pod.Name}: {pod.OomKill}");
        }

        foreach (var pod in service.Pods)
        {
            foreach (var line in pod.Events)
            {
                output.WriteLine($"  {pod.Name}: {line}");
            }
        }
    }

    /// <summary>Kubernetes-style ages: 45s, 12m, 3h, 2d.</summary>
    public static string Age(DateTimeOffset? since, DateTimeOffset now)
    {
        if (since is null)
        {
            return "-";
        }

        var age = now - since.Value;
        string I(double value) => Math.Floor(Math.Max(0, value)).ToString(CultureInfo.InvariantCulture);
        return age.TotalSeconds < 120 ? I(age.TotalSeconds) + "s" : age.TotalMinutes < 120 ? I(age.TotalMinutes) + "m" : age.TotalHours < 48 ? I(age.TotalHours) + "h" : I(age.TotalDays) + "d";
    }

    private static string Number(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";

    private static void WriteColumns(TextWriter output, IReadOnlyList<string[]> rows)
    {
        var widths = new int[rows.Count == 0 ? 0 : rows.Max(r => r.Length)];
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        foreach (var row in rows)
        {
            output.WriteLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }
    }
}
