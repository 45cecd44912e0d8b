using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Kt.Workflows;

/// <summary>
/// A ready-to-paste call for the deploy summary: the first public static method of a public type in the entry
/// assembly (read from metadata, nothing is loaded), with a JSON body of arguments its parameter types accept.
/// </summary>
internal sealed record CallExample(string Path, string Body)
{
    public static CallExample? Find(string assemblyFile)
    {
        if (!File.Exists(assemblyFile))
        {
            return null;
        }

        try
        {
            using var stream = File.OpenRead(assemblyFile);
            using var pe = new PEReader(stream);
            var reader = pe.GetMetadataReader();
            foreach (var typeHandle in reader.TypeDefinitions)
            {
                var type = reader.GetTypeDefinition(typeHandle);
                var visibility = type.Attributes & TypeAttributes.VisibilityMask;
                var name = reader.GetString(type.Name);
                if (visibility != TypeAttributes.Public || name is "Program" || name.Contains('<', StringComparison.Ordinal))
                {
                    continue;
                }

                foreach (var methodHandle in type.GetMethods())
                {
                    var method = reader.GetMethodDefinition(methodHandle);
                    var attributes = method.Attributes;
                    if ((attributes & MethodAttributes.MemberAccessMask) != MethodAttributes.Public || (attributes & MethodAttributes.Static) == 0
                        || (attributes & MethodAttributes.SpecialName) != 0)
                    {
                        continue;
                    }

                    var ns = reader.GetString(type.Namespace);
                    var fullName = ns.Length == 0 ? name : $"{ns}.{name}";
                    return new CallExample($"fn/{fullName}/{reader.GetString(method.Name)}", $"{{\"args\":{SampleArguments.For(method)}}}");
                }
            }
        }
        catch (BadImageFormatException)
        {
            // Not a managed assembly: no example, the endpoint is still printed.
        }

        return null;
    }
}
