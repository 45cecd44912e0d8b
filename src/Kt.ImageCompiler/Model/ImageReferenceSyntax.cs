using System.Text.RegularExpressions;
using Kt.Core;

namespace Kt.ImageCompiler.Model;

/// <summary>
/// The shape check for a base image reference at definition time (<c>[registry[:port]/]repo[:tag][@sha256:hex]</c>,
/// lowercase repository path, Docker's tag rules); full resolution against a registry happens when an image is built.
/// </summary>
public static partial class ImageReferenceSyntax
{
    public static string Validate(string reference, string? origin)
    {
        // Docker's rule: the first component is a registry only when it has a '.' or a ':' or is "localhost".
        var slash = reference?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        var first = slash > 0 ? reference![..slash] : null;
        var isRegistry = first is not null && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost");
        var remainder = isRegistry ? reference![(slash + 1)..] : reference;
        if (string.IsNullOrWhiteSpace(reference) || (isRegistry && !RegistryPattern().IsMatch(first!)) || !RepositoryPattern().IsMatch(remainder!))
        {
            throw new KtException(ImageErrors.InvalidImageReference,
                $"{StepValidation.Where(origin)}'{reference}' is not a valid image reference (expected [registry/]repository[:tag][@sha256:digest], lowercase repository).");
        }

        return reference;
    }

    [GeneratedRegex(@"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$")]
    private static partial Regex RegistryPattern();

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$")]
    private static partial Regex RepositoryPattern();
}
