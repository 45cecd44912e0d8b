using System.Reflection;
using System.Text.Json;
using Kt.PodRuntime.Errors;

namespace Kt.PodRuntime.Worker;

/// <summary>
/// Binds a call body <c>{"args": [...], "kwargs": {...}}</c> to a method's or constructor's parameters: positional
/// first, then by name (case-insensitive), then defaults; a <see cref="CancellationToken"/> parameter receives the
/// call's token.
/// </summary>
internal static class ArgumentBinder
{
    public readonly record struct CallArguments(JsonElement[] Positional, Dictionary<string, JsonElement> Named)
    {
        public static readonly CallArguments None = new([], new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase));
    }

    public static CallArguments Parse(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty)
        {
            return CallArguments.None;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            throw new CallFailure(RuntimeErrorCodes.MalformedRequest, 400, $"The call body is not valid JSON: {ex.Message}");
        }

        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Null)
        {
            return CallArguments.None;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new CallFailure(RuntimeErrorCodes.MalformedRequest, 400, "The call body must be a JSON object {\"args\": [...], \"kwargs\": {...}}.");
        }

        var positional = Array.Empty<JsonElement>();
        var named = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in root.EnumerateObject())
        {
            switch (property.Name)
            {
                case "args" when property.Value.ValueKind == JsonValueKind.Array:
                    positional = property.Value.EnumerateArray().ToArray();
                    break;
                case "args" when property.Value.ValueKind == JsonValueKind.Null:
                    break;
                case "kwargs" when property.Value.ValueKind == JsonValueKind.Object:
                    foreach (var kw in property.Value.EnumerateObject())
                    {
                        named[kw.Name] = kw.Value;
                    }

                    break;
                case "kwargs" when property.Value.ValueKind == JsonValueKind.Null:
                    break;
                default:
                    throw new CallFailure(RuntimeErrorCodes.MalformedRequest, 400, $"Unexpected member '{property.Name}' in the call body; expected 'args' (array) and 'kwargs' (object).");
            }
        }

        return new CallArguments(positional, named);
    }

    /// <summary>True when the parameters can take these arguments (by count and names), without deserializing.</summary>
    public static bool Fits(ParameterInfo[] parameters, CallArguments arguments)
    {
        var bindable = parameters.Where(p => p.ParameterType != typeof(CancellationToken)).ToArray();
        if (arguments.Positional.Length > bindable.Length)
        {
            return false;
        }

        var remaining = bindable.Skip(arguments.Positional.Length).ToArray();
        foreach (var name in arguments.Named.Keys)
        {
            if (!remaining.Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                return false;
            }
        }

        return remaining.All(p => p.HasDefaultValue || p.IsOptional || arguments.Named.ContainsKey(p.Name!));
    }

    public static object?[] Bind(ParameterInfo[] parameters, CallArguments arguments, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        var values = new object?[parameters.Length];
        var position = 0;
        var used = 0;
        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = parameters[i];
            if (parameter.ParameterType == typeof(CancellationToken))
            {
                values[i] = cancellationToken;
                continue;
            }

            if (position < arguments.Positional.Length)
            {
                values[i] = Convert(arguments.Positional[position++], parameter, json);
            }
            else if (arguments.Named.TryGetValue(parameter.Name!, out var element))
            {
                values[i] = Convert(element, parameter, json);
                used++;
            }
            else if (parameter.HasDefaultValue)
            {
                values[i] = parameter.DefaultValue is DBNull ? Type.Missing : parameter.DefaultValue;
            }
            else if (parameter.IsOptional)
            {
                values[i] = Type.Missing;
            }
            else
            {
                throw new CallFailure(RuntimeErrorCodes.BadArguments, 400, $"Missing argument '{parameter.Name}'.");
            }
        }

        if (position < arguments.Positional.Length || used < arguments.Named.Count)
        {
            throw new CallFailure(RuntimeErrorCodes.BadArguments, 400, "Too many or unknown arguments for this method.");
        }

        return values;
    }

    private static object? Convert(JsonElement element, ParameterInfo parameter, JsonSerializerOptions json)
    {
        try
        {
            return element.Deserialize(parameter.ParameterType, json);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new CallFailure(RuntimeErrorCodes.BadArguments, 400, $"Argument '{parameter.Name}' cannot be read as {parameter.ParameterType.Name}: {ex.Message}");
        }
    }
}
