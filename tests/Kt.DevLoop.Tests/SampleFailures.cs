using System.Globalization;
using System.Runtime.CompilerServices;

namespace Kt.DevLoop.Tests;

/// <summary>The application's own exception, as a user defines it: the two usual constructors.</summary>
public sealed class SampleAppException : Exception
{
    public SampleAppException(string message)
        : base(message)
    {
    }

    public SampleAppException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>An exception the caller cannot make: its only constructor takes an int.</summary>
public sealed class SampleOpaqueException(int code) : Exception($"opaque failure {code.ToString(CultureInfo.InvariantCulture)}");

/// <summary>User code that fails the way applications do: deep in a helper, wrapping a lower-level error, sync and async.</summary>
public static class SampleFailures
{
    public const int OrderHResult = unchecked((int)0x8004_1234);

    // Optimized code may turn this call into a tail call, and then the frame of Place is gone from the trace (as it
    // would be under `dotnet App.dll`); the test asserts both frames, so this one is kept unoptimized.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.NoOptimization)]
    public static int Place(string order) => Validate(order);

    public static async Task<int> PlaceLaterAsync(string order)
    {
        await Task.Yield();
        return Validate(order);
    }

    public static int Opaque(int code) => throw new SampleOpaqueException(code);

    /// <summary>Fails on the rank named, succeeds elsewhere: a broadcast where some ranks fail.</summary>
    public static int FailOnRanks(string ranks)
    {
        var rank = Environment.GetEnvironmentVariable("RANK") ?? "-1";
        return ranks.Split(',').Contains(rank) ? Validate($"rank-{rank}") : int.Parse(rank, CultureInfo.InvariantCulture);
    }

    private static int Validate(string order)
    {
        try
        {
            return int.Parse(order, CultureInfo.InvariantCulture);
        }
        catch (FormatException e)
        {
            var failure = new SampleAppException($"order '{order}' is not a number", e) { HResult = OrderHResult };
            failure.Data["order"] = order;
            throw failure;
        }
    }
}

/// <summary>A class service whose method throws the application's exception.</summary>
public sealed class SampleStrictCounter
{
    public int Add(int amount) => amount >= 0 ? amount : throw new SampleAppException($"cannot add {amount.ToString(CultureInfo.InvariantCulture)}");
}
