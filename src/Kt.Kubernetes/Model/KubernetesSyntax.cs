using System.Text.RegularExpressions;

namespace Kt.Kubernetes.Model;

/// <summary>Syntax rules of Kubernetes names, label keys and resource quantities, checked before anything is sent.</summary>
public static partial class KubernetesSyntax
{
    /// <summary>RFC 1123 label: lowercase alphanumerics and '-', alphanumeric at both ends, at most 63 characters.</summary>
    public static bool IsDns1123Label(string? value) => value is { Length: > 0 and <= 63 } && Dns1123Label().IsMatch(value);

    /// <summary>RFC 1123 subdomain: dot-separated labels, at most 253 characters (Secret, PVC, ServiceAccount names).</summary>
    public static bool IsDns1123Subdomain(string? value) =>
        value is { Length: > 0 and <= 253 } && value.Split('.').All(IsDns1123Label);

    /// <summary>A label or annotation key: optional DNS subdomain prefix and '/', then a name of at most 63 characters.</summary>
    public static bool IsQualifiedName(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        var slash = value.IndexOf('/', StringComparison.Ordinal);
        var name = slash < 0 ? value : value[(slash + 1)..];
        if (slash >= 0 && !IsDns1123Subdomain(value[..slash]))
        {
            return false;
        }

        return name.Length is > 0 and <= 63 && QualifiedNamePart().IsMatch(name);
    }

    /// <summary>A label value: empty, or at most 63 characters of alphanumerics, '-', '_' and '.', alphanumeric at both ends.</summary>
    public static bool IsLabelValue(string? value) =>
        value is not null && (value.Length == 0 || (value.Length <= 63 && QualifiedNamePart().IsMatch(value)));

    /// <summary>Kubernetes quantity syntax (<c>"500m"</c>, <c>"2"</c>, <c>"1.5Gi"</c>, <c>"1e3"</c>): <see cref="Core.Quantity"/>'s grammar.</summary>
    public static bool IsQuantity(string? value) => Core.Quantity.TryParse(value, out _);

    /// <summary>A quantity that is syntactically valid and strictly positive.</summary>
    public static bool IsPositiveQuantity(string? value) => Core.Quantity.TryParse(value, out var quantity) && quantity.IsPositive;

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex QualifiedNamePart();
}
