using Kt.Core;

namespace Kt.Kubernetes.Tests;

/// <summary>The one quantity grammar (Kubernetes'): the renderer checks it, the process and docker backends read its value.</summary>
public sealed class QuantityTests
{
    [Theory]
    [InlineData("500m", 0.5)]
    [InlineData("2", 2)]
    [InlineData("4Gi", 4294967296)]
    [InlineData("1.5G", 1.5e9)]
    [InlineData("1e3", 1000)]
    [InlineData("2k", 2000)]
    [InlineData(".5Ki", 512)]
    [InlineData("1Ei", 1152921504606846976)]
    public void A_quantity_has_its_value_in_base_units_and_keeps_its_text(string text, double value)
    {
        Assert.True(Quantity.TryParse(text, out var quantity));
        Assert.Equal(value, quantity.Value, 6);
        Assert.Equal(text, quantity.Text);
        Assert.True(quantity.IsPositive);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0e3")]
    [InlineData("-1")]
    [InlineData("0.000")]
    public void Zero_and_negative_quantities_parse_but_are_not_positive(string text)
    {
        Assert.True(Quantity.TryParse(text, out var quantity));
        Assert.False(quantity.IsPositive);
    }

    [Theory]
    [InlineData("two")]
    [InlineData("1KB")]
    [InlineData("1.5 Gi")]
    [InlineData(" 2")]
    [InlineData("2Ke3")]
    [InlineData("m")]
    [InlineData("")]
    [InlineData(null)]
    public void What_kubernetes_refuses_is_no_quantity(string? text) => Assert.False(Quantity.TryParse(text, out _));
}
