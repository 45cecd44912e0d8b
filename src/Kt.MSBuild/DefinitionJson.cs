using System.Text.Json;

namespace Kt.MSBuild;

internal static class DefinitionJson
{
    public static JsonSerializerOptions Options { get; } = new() { WriteIndented = true };
}
