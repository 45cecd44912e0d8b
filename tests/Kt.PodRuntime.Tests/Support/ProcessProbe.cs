using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace Kt.PodRuntime.Tests.Support;

/// <summary>What the abuse campaign samples of a process (from /proc) and how it calls a pod without the client library.</summary>
public static class ProcessProbe
{
    /// <summary>Resident memory of a process in MiB.</summary>
    public static double RssMiB(int pid)
    {
        var line = File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }

    /// <summary>User + system CPU clock ticks a process has used, or null once it is gone.</summary>
    public static long? CpuTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // After the command: state is field 3, utime 14 and stime 15 (1-based over the whole line).
            return fields[0] == "Z" ? null : long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return null;
        }
    }

    /// <summary>An authenticated POST of a function call with a raw JSON body.</summary>
    public static HttpRequestMessage Call(RuntimeProcess runtime, string type, string method, string json, bool stream = false, int? timeoutMs = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, runtime.Url($"fn/{type}/{method}"))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", runtime.Token);
        if (stream)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(PodRoutes.NdJson));
        }

        if (timeoutMs is { } ms)
        {
            request.Headers.Add(PodRoutes.TimeoutHeader, ms.ToString(CultureInfo.InvariantCulture));
        }

        return request;
    }
}
