using System.Text.RegularExpressions;
using Kt.Core;

namespace Kt.ImageCompiler.Model;

/// <summary>Checks step arguments when a step is created, so a bad definition fails before anything is compiled or run.</summary>
public static partial class StepValidation
{
    public static string EnvName(string name, string? origin)
    {
        if (!StepRules.IsEnvironmentName(name))
        {
            throw new KtException(ImageErrors.InvalidEnvName,
                $"{Where(origin)}'{name}' is not a valid environment variable name (letters, digits and '_', not starting with a digit).");
        }

        return name;
    }

    /// <summary>Package names are emitted into shell commands, so only a strict, quote-free charset is accepted.</summary>
    public static IReadOnlyList<string> Packages(IEnumerable<string> packages, string kind, string? origin)
    {
        var list = packages.Select(p => p.Trim()).Where(p => p.Length > 0).ToArray();
        if (list.Length == 0)
        {
            throw new KtException(ImageErrors.EmptyPackageList, $"{Where(origin)}a {kind} step needs at least one package.");
        }

        foreach (var package in list)
        {
            if (!PackagePattern().IsMatch(package))
            {
                throw new KtException(ImageErrors.InvalidPackageName,
                    $"{Where(origin)}'{package}' is not a valid {kind} package specification.");
            }
        }

        return list;
    }

    public static string NotBlank(string? value, string what, string? origin)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new KtException(ImageErrors.MissingArgument, $"{Where(origin)}{what} is required.");
        }

        return value.Trim();
    }

    public static string Where(string? origin) => origin is null ? "" : origin + ": ";

    // Names, version pins and extras: numpy==2.1.0, torch>=2, uvicorn[standard], libssl3:amd64, pkg=1.2-3.
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._+\-:=<>!~\[\],@]*$")]
    private static partial Regex PackagePattern();

    /// <summary>The package a specification names: <c>numpy==2.1</c>, <c>jq=1.6</c>, <c>numpy[extra]</c> all name their first part.</summary>
    internal static string PackageName(string specification) => specification.Split(['=', '<', '>', '!', '~', '[', ':', '@'], 2)[0];
}
