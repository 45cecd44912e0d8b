using Kt.PodRuntime.Ipc;

namespace Kt.PodRuntime.Tests;

/// <summary>The call kind crosses to the worker process typed: every kind comes back as itself, anything else is refused.</summary>
public sealed class CallKindTests
{
    [Theory]
    [InlineData(CallKind.Function)]
    [InlineData(CallKind.ClassMethod)]
    public void A_call_header_decodes_to_the_kind_it_was_encoded_with(CallKind kind)
    {
        var header = new CallHeader(kind, "App.Greeter", "Hello", "req-1");

        Assert.Equal(header, CallHeaders.DecodeCall(CallHeaders.Encode(header)));
        Assert.Equal(kind, CallKinds.Parse(kind.WireName()));
    }

    [Fact]
    public void A_kind_the_worker_does_not_know_is_a_corrupted_header()
    {
        var ex = Assert.Throws<InvalidDataException>(() => CallKinds.Parse("method"));
        Assert.Contains("method", ex.Message, StringComparison.Ordinal);
        Assert.Equal(Enum.GetValues<CallKind>().Length, Enum.GetValues<CallKind>().Select(k => k.WireName()).Distinct().Count());
    }
}
