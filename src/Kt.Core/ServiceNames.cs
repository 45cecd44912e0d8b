using System.Text.RegularExpressions;

namespace Kt.Core;

/// <summary>
/// The one rule for a service's name, checked by every backend and by the Kubernetes renderer alike. It is a
/// DNS-1035 label (what a Kubernetes Service name must be) kept to 40 characters, so that every name Kt derives from
/// it (<c>&lt;service&gt;-kt-token</c>, a StatefulSet's pod names, a Docker container's name) stays within the
/// 63-character limit of labels.
/// </summary>
public static partial class ServiceNames
{
    /// <summary>The longest service name.</summary>
    public const int MaxLength = 40;

    /// <summary>A name that breaks the rule (KtService, or the C# client's Compute.Service).</summary>
    public const string InvalidCode = "KT0001";

    public static bool IsValid(string? name) => name is { Length: > 0 and <= MaxLength } && Rule().IsMatch(name);

    /// <summary>Throws <see cref="KtException"/> <see cref="InvalidCode"/> naming the rule when <paramref name="name"/> breaks it.</summary>
    public static string Check(string? name) => IsValid(name) ? name! : throw new KtException(InvalidCode,
        $"KtService '{name}' is not a valid service name: 1–{MaxLength} characters of a–z, 0–9 and '-', starting with a letter and not ending with '-'.");

    /// <summary>The name a program gets when none is declared: its assembly's name, lowercased, other characters as '-', cut to the limit.</summary>
    public static string FromAssemblyName(string assemblyName)
    {
        var cleaned = new string(assemblyName.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        var named = cleaned.Length == 0 || !char.IsAsciiLetter(cleaned[0]) ? "kt-" + cleaned : cleaned;
        return named[..Math.Min(named.Length, MaxLength)].TrimEnd('-');
    }

    [GeneratedRegex("^[a-z]([a-z0-9-]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Rule();
}
