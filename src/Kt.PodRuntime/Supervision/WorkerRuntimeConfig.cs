using System.Text.Json;
using System.Text.Json.Nodes;
using Kt.PodRuntime.Worker;

namespace Kt.PodRuntime.Supervision;

/// <summary>
/// The runtimeconfig a worker process starts with, so that the knobs of the user's app (invariant globalization, GC
/// settings, every <c>configProperties</c> entry) hold for its code as they do under <c>dotnet App.dll</c>: the app's
/// own <c>runtimeOptions</c>, with each shared framework raised to at least the version the runtime itself was built
/// for (the worker is Kt's code too) and <c>Microsoft.NETCore.App</c> always present. These knobs are read once, when
/// a process starts, so a version whose config differs gets a fresh worker instead of an in-place reload.
/// </summary>
internal static class WorkerRuntimeConfig
{
    private const string CoreFramework = "Microsoft.NETCore.App";
    private const string AspNetFramework = "Microsoft.AspNetCore.App";
    private static readonly Lazy<IReadOnlyDictionary<string, Version>> RuntimeFrameworks = new(ReadRuntimeFrameworks);

    /// <summary>The worker config text for the app in <paramref name="directory"/>, or null: the app has no runtimeconfig (the runtime's own applies).</summary>
    public static string? For(string? directory)
    {
        if (directory is null || UserApp.Find(directory)?.RuntimeConfig is not { } path)
        {
            return null;
        }

        JsonObject options;
        try
        {
            options = JsonNode.Parse(File.ReadAllText(path))?["runtimeOptions"] as JsonObject ?? new JsonObject();
        }
        catch (JsonException)
        {
            return null; // a config the host could not read either: the app would not start; Kt's own config serves
        }

        var frameworks = new Dictionary<string, Version>(StringComparer.OrdinalIgnoreCase);
        foreach (var framework in Frameworks(options))
        {
            frameworks[framework.Name] = framework.Version;
        }

        // An exporting worker runs the OpenTelemetry SDK, which needs ASP.NET's framework (Microsoft.Extensions.*): a
        // console app's worker gets it only then, so without an endpoint it resolves exactly what dotnet App.dll does.
        var exporting = Kt.Telemetry.OtlpEnvironment.Configured() != Kt.Telemetry.OtlpSignals.None;
        foreach (var (name, version) in RuntimeFrameworks.Value)
        {
            if (name.Equals(CoreFramework, StringComparison.OrdinalIgnoreCase) || frameworks.ContainsKey(name) || (exporting && name.Equals(AspNetFramework, StringComparison.OrdinalIgnoreCase)))
            {
                frameworks[name] = frameworks.TryGetValue(name, out var own) && own > version ? own : version;
            }
        }

        var worker = new JsonObject();
        foreach (var (key, value) in options)
        {
            if (key is not ("framework" or "frameworks" or "includedFrameworks" or "additionalProbingPaths"))
            {
                worker[key] = value?.DeepClone();
            }
        }

        worker["frameworks"] = new JsonArray(frameworks.OrderBy(f => f.Key, StringComparer.Ordinal)
            .Select(f => (JsonNode)new JsonObject { ["name"] = f.Key, ["version"] = f.Value.ToString() }).ToArray());
        return new JsonObject { ["runtimeOptions"] = worker }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Writes the config under the runtime root (never into a version folder, which is content-addressed).</summary>
    public static string Write(string folder, string config)
    {
        Directory.CreateDirectory(folder);
        var name = $"worker-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(config)))[..16]}.runtimeconfig.json";
        var path = Path.Combine(folder, name);
        if (!File.Exists(path))
        {
            AtomicFile.WriteAllText(path, config);
        }

        return path;
    }

    private static IEnumerable<(string Name, Version Version)> Frameworks(JsonObject options)
    {
        var list = options["frameworks"] as JsonArray ?? (options["framework"] is JsonObject single ? [single.DeepClone()] : []);
        foreach (var item in list.OfType<JsonObject>())
        {
            if (item["name"]?.GetValue<string>() is { } name && Version.TryParse(item["version"]?.GetValue<string>()?.Split('-')[0], out var version))
            {
                yield return (name, version);
            }
        }
    }

    private static IReadOnlyDictionary<string, Version> ReadRuntimeFrameworks()
    {
        var own = Path.Combine(AppContext.BaseDirectory, Path.GetFileNameWithoutExtension(typeof(WorkerRuntimeConfig).Assembly.Location) + ".runtimeconfig.json");
        var result = new Dictionary<string, Version>(StringComparer.OrdinalIgnoreCase)
        {
            [CoreFramework] = new Version(Environment.Version.Major, Environment.Version.Minor, 0),
        };
        if (File.Exists(own) && JsonNode.Parse(File.ReadAllText(own))?["runtimeOptions"] is JsonObject options)
        {
            foreach (var framework in Frameworks(options))
            {
                result[framework.Name] = framework.Version;
            }
        }

        return result;
    }
}
