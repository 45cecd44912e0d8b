using System.Globalization;
using System.Security.Cryptography;

namespace Kt.PodRuntime.Hosting;

/// <summary>
/// Ids for requests that bring none: 32 hex digits, a random half drawn once per process (ids from two pods or two
/// restarts do not meet) and a counter. A random GUID per request cost a call into OpenSSL on every call; an id has to
/// be unique, not unguessable.
/// </summary>
internal static class RequestIds
{
    private static readonly string Prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
    private static long _counter;

    public static string Next() =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}{Interlocked.Increment(ref _counter):x16}");
}
