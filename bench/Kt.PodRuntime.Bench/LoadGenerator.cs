using System.Diagnostics;
using System.Net.Http.Headers;

namespace Kt.PodRuntime.Bench;

/// <summary>Fires POSTs with a fixed body: latency percentiles at concurrency 1, throughput at a given concurrency.</summary>
internal static class LoadGenerator
{
    public static HttpClient CreateClient(string? token)
    {
        var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 256 }) { Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    private static async Task SendAsync(HttpClient client, Uri url, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.PostAsync(url, content);
        response.EnsureSuccessStatusCode();
        _ = await response.Content.ReadAsByteArrayAsync();
    }

    public static async Task<(double P50, double P99)> LatencyAsync(HttpClient client, Uri url, byte[] body, int warmup, int count)
    {
        for (var i = 0; i < warmup; i++)
        {
            await SendAsync(client, url, body);
        }

        var samples = new double[count];
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await SendAsync(client, url, body);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(samples);
        return (samples[count / 2], samples[(int)(count * 0.99)]);
    }

    public static async Task<double> ThroughputAsync(HttpClient client, Uri url, byte[] body, int concurrency, TimeSpan duration)
    {
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long done = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                await SendAsync(client, url, body);
                Interlocked.Increment(ref done);
            }
        }));
        return done / clock.Elapsed.TotalSeconds;
    }
}
