using System.Net.Http.Headers;

namespace Kt.Oci;

/// <summary>A parsed <c>WWW-Authenticate</c> challenge: scheme (Basic or Bearer) and its parameters (realm, service, scope).</summary>
internal sealed record AuthChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    public string? Realm => Parameters.GetValueOrDefault("realm");

    public string? Service => Parameters.GetValueOrDefault("service");

    public static AuthChallenge? From(HttpResponseMessage response)
    {
        foreach (var header in response.Headers.WwwAuthenticate)
        {
            if (header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) || header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
            {
                return new AuthChallenge(header.Scheme, ParseParameters(header));
            }
        }

        return null;
    }

    private static Dictionary<string, string> ParseParameters(AuthenticationHeaderValue header)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var text = header.Parameter ?? string.Empty;
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (text[i] == ',' || char.IsWhiteSpace(text[i])))
            {
                i++;
            }

            var eq = text.IndexOf('=', i);
            if (eq < 0)
            {
                break;
            }

            var key = text[i..eq].Trim();
            i = eq + 1;
            string value;
            if (i < text.Length && text[i] == '"')
            {
                var end = text.IndexOf('"', i + 1);
                end = end < 0 ? text.Length : end;
                value = text[(i + 1)..end];
                i = end + 1;
            }
            else
            {
                var end = text.IndexOf(',', i);
                end = end < 0 ? text.Length : end;
                value = text[i..end].Trim();
                i = end;
            }

            result[key] = value;
        }

        return result;
    }
}
