using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;

namespace Kt.Workflows;

/// <summary>
/// A JSON value each parameter type accepts, read from metadata alone (nothing is loaded): the deploy summary's curl
/// example must send arguments the function can bind. Records and classes of the program get an object of their
/// largest public constructor's parameters (camelCase, as the runtime's web JSON options read them).
/// </summary>
internal sealed class SampleArguments(int depth = 0) : ISignatureTypeProvider<SampleArguments.Sample, object?>
{
    private const int MaxDepth = 3;

    /// <summary>A parameter type's sample JSON; <see cref="Bound"/> types (a CancellationToken) the runtime supplies itself.</summary>
    internal sealed record Sample(string Json, string? Name = null, bool Bound = false);

    /// <summary>The JSON array of sample arguments for <paramref name="method"/>.</summary>
    public static string For(MethodDefinition method)
    {
        var signature = method.DecodeSignature(new SampleArguments(), genericContext: null);
        return "[" + string.Join(",", signature.ParameterTypes.Where(p => !p.Bound).Select(p => p.Json)) + "]";
    }

    public Sample GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode switch
    {
        PrimitiveTypeCode.String => new("\"text\""),
        PrimitiveTypeCode.Boolean => new("false"),
        PrimitiveTypeCode.Char => new("\"a\""),
        PrimitiveTypeCode.Object or PrimitiveTypeCode.TypedReference or PrimitiveTypeCode.Void => new("null"),
        PrimitiveTypeCode.IntPtr or PrimitiveTypeCode.UIntPtr => new("null"),
        _ => new("1"),
    };

    public Sample GetTypeFromReference(MetadataReader metadata, TypeReferenceHandle handle, byte rawTypeKind)
    {
        var reference = metadata.GetTypeReference(handle);
        return Known($"{metadata.GetString(reference.Namespace)}.{metadata.GetString(reference.Name)}");
    }

    public Sample GetTypeFromDefinition(MetadataReader metadata, TypeDefinitionHandle handle, byte rawTypeKind)
    {
        var type = metadata.GetTypeDefinition(handle);
        var name = $"{metadata.GetString(type.Namespace)}.{metadata.GetString(type.Name)}";
        if (IsEnum(metadata, type))
        {
            return new("0", name);
        }

        if (depth >= MaxDepth)
        {
            return new("null", name);
        }

        // The largest public constructor: a positional record's primary constructor, or a class's fullest one.
        var constructor = type.GetMethods().Select(metadata.GetMethodDefinition)
            .Where(m => metadata.GetString(m.Name) == ".ctor" && (m.Attributes & MethodAttributes.MemberAccessMask) == MethodAttributes.Public)
            .OrderByDescending(m => m.GetParameters().Count)
            .Cast<MethodDefinition?>()
            .FirstOrDefault();
        if (constructor is not { } ctor)
        {
            return new("{}", name);
        }

        var types = ctor.DecodeSignature(new SampleArguments(depth + 1), genericContext: null).ParameterTypes;
        var members = ctor.GetParameters().Select(metadata.GetParameter).Where(p => p.SequenceNumber > 0 && p.SequenceNumber <= types.Length)
            .Select(p => $"\"{CamelCase(metadata.GetString(p.Name))}\":{types[p.SequenceNumber - 1].Json}");
        return new("{" + string.Join(",", members) + "}", name);
    }

    public Sample GetTypeFromSpecification(MetadataReader metadata, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
        metadata.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

    public Sample GetSZArrayType(Sample elementType) => new("[]");

    public Sample GetArrayType(Sample elementType, ArrayShape shape) => new("[]");

    public Sample GetGenericInstantiation(Sample genericType, ImmutableArray<Sample> typeArguments) => genericType.Name switch
    {
        "System.Nullable`1" => typeArguments[0],
        { } name when name.Contains("Dictionary", StringComparison.Ordinal) => new("{}"),
        { } name when name.StartsWith("System.Collections.", StringComparison.Ordinal) || name.EndsWith("Enumerable`1", StringComparison.Ordinal) => new("[]"),
        _ => new("null", genericType.Name),
    };

    public Sample GetByReferenceType(Sample elementType) => elementType;

    public Sample GetPointerType(Sample elementType) => new("null");

    public Sample GetPinnedType(Sample elementType) => elementType;

    public Sample GetModifiedType(Sample modifier, Sample unmodifiedType, bool isRequired) => unmodifiedType;

    public Sample GetFunctionPointerType(MethodSignature<Sample> signature) => new("null");

    public Sample GetGenericMethodParameter(object? genericContext, int index) => new("null");

    public Sample GetGenericTypeParameter(object? genericContext, int index) => new("null");

    private static Sample Known(string name) => name switch
    {
        "System.Threading.CancellationToken" => new("null", name, Bound: true),
        "System.Guid" => new("\"00000000-0000-0000-0000-000000000001\"", name),
        "System.DateTime" or "System.DateTimeOffset" => new("\"2025-01-01T00:00:00Z\"", name),
        "System.DateOnly" => new("\"2025-01-01\"", name),
        "System.TimeSpan" or "System.TimeOnly" => new("\"00:00:01\"", name),
        "System.Decimal" => new("1", name),
        "System.Uri" => new("\"https://example.com/\"", name),
        _ => new("null", name),
    };

    private static bool IsEnum(MetadataReader metadata, TypeDefinition type) =>
        type.BaseType.Kind == HandleKind.TypeReference
        && metadata.GetTypeReference((TypeReferenceHandle)type.BaseType) is var baseType
        && metadata.GetString(baseType.Namespace) == "System" && metadata.GetString(baseType.Name) == "Enum";

    private static string CamelCase(string name) => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];
}
