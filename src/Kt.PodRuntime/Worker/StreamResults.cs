using System.Collections;
using System.Reflection;
using System.Text.Json;

namespace Kt.PodRuntime.Worker;

/// <summary>Where a stream result's elements go: <see cref="Begin"/> once, then each element as JSON, paced by the call's window.</summary>
internal sealed class ItemSink(Action begin, Func<byte[], CancellationToken, ValueTask> send)
{
    public void Begin() => begin();

    public ValueTask SendAsync(byte[] json, CancellationToken cancellationToken) => send(json, cancellationToken);
}

/// <summary>
/// Results that are streams: an <c>IAsyncEnumerable&lt;T&gt;</c>, or an <c>IEnumerable&lt;T&gt;</c> declared as such and
/// not a materialized collection (an iterator, a LINQ query). To a caller that takes items (<see cref="ItemSink"/>)
/// each element leaves as it is produced, and the producer runs only as fast as the caller reads (the sink awaits the
/// call's output window); the caller's leaving cancels the token the enumerator got, and disposing the enumerator
/// runs the iterator's <c>finally</c>. To any other caller an async stream is gathered into a list first.
/// </summary>
internal static class StreamResults
{
    private static readonly MethodInfo PumpAsyncOpen = typeof(StreamResults).GetMethod(nameof(PumpAsyncEnumerableAsync), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo PumpOpen = typeof(StreamResults).GetMethod(nameof(PumpEnumerableAsync), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo GatherOpen = typeof(StreamResults).GetMethod(nameof(GatherAsync), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>The element type of an async stream (<c>IAsyncEnumerable&lt;T&gt;</c>), else null.</summary>
    public static Type? AsyncElement(object value) =>
        value.GetType().GetInterfaces().Append(value.GetType())
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IAsyncEnumerable<>))?.GetGenericArguments()[0];

    /// <summary>The element type when <paramref name="value"/> is a lazy <c>IEnumerable&lt;T&gt;</c> result, else null.</summary>
    public static Type? LazyElement(object value, Type declared) =>
        declared.IsGenericType && declared.GetGenericTypeDefinition() == typeof(IEnumerable<>) && value is not (string or ICollection)
            ? declared.GetGenericArguments()[0]
            : null;

    /// <summary>Sends every element of <paramref name="value"/> to <paramref name="sink"/> (it is a stream: <see cref="AsyncElement"/> or <see cref="LazyElement"/>).</summary>
    public static Task PumpAsync(object value, Type element, bool isAsync, ItemSink sink, JsonSerializerOptions json, CancellationToken cancellationToken) =>
        (Task)(isAsync ? PumpAsyncOpen : PumpOpen).MakeGenericMethod(element).Invoke(null, [value, sink, json, cancellationToken])!;

    /// <summary>An async stream's elements as a <c>List&lt;T&gt;</c> (for a caller that takes one result).</summary>
    public static Task<object> GatherAsync(object value, Type element, CancellationToken cancellationToken) =>
        (Task<object>)GatherOpen.MakeGenericMethod(element).Invoke(null, [value, cancellationToken])!;

    private static async Task PumpAsyncEnumerableAsync<T>(IAsyncEnumerable<T> source, ItemSink sink, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        sink.Begin();
        await foreach (var item in source.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            await sink.SendAsync(JsonSerializer.SerializeToUtf8Bytes(item, json), cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task PumpEnumerableAsync<T>(IEnumerable<T> source, ItemSink sink, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        sink.Begin();
        foreach (var item in source)
        {
            cancellationToken.ThrowIfCancellationRequested(); // a plain iterator has no token: it stops at its next element
            await sink.SendAsync(JsonSerializer.SerializeToUtf8Bytes(item, json), cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<object> GatherAsync<T>(IAsyncEnumerable<T> source, CancellationToken cancellationToken)
    {
        var items = new List<T>();
        await foreach (var item in source.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            items.Add(item);
        }

        return items;
    }
}
