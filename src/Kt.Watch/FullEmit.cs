using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Emit;

namespace Kt.Watch;

/// <summary>
/// One whole emit of a project (the compilation, with its generated trees, and the bytes): what a delta chain starts
/// from. The Edit-and-Continue baseline reads, per method, the local-slot, lambda and state-machine maps the PDB keeps
/// (Roslyn writes them into a Debug build's PDB as custom debug information) and the locals' signature from the IL.
/// </summary>
internal sealed record FullEmit(Compilation Compilation, int UserTrees, byte[] Assembly, byte[]? Pdb)
{
    // The custom debug information kinds Roslyn writes for Edit and Continue (PortableCustomDebugInfoKinds).
    private static readonly Guid EncLocalSlotMap = new("755F52A8-91C5-45BE-B4B8-209571E552BD");
    private static readonly Guid EncLambdaAndClosureMap = new("A643004C-0240-496F-A783-30D64F4979DE");
    private static readonly Guid EncStateMachineStateMap = new("8B78CD68-2EDE-420B-980B-E15884B8AAA3");

    public Guid ModuleId { get; } = ReadModuleId(Assembly);

    public EmitBaseline CreateBaseline()
    {
        // Both readers stay open for the baseline's life: it calls back into them whenever a later delta needs a method.
        var pe = new PEReader(Assembly.ToImmutableArray());
        var metadata = pe.GetMetadataReader();
        var pdbProvider = Pdb is not null
            ? MetadataReaderProvider.FromPortablePdbImage(Pdb.ToImmutableArray())
            : pe.ReadDebugDirectory().Where(e => e.Type == DebugDirectoryEntryType.EmbeddedPortablePdb).Select(pe.ReadEmbeddedPortablePdbDebugDirectoryData).FirstOrDefault();
        var pdb = pdbProvider?.GetMetadataReader();

        EditAndContinueMethodDebugInformation DebugInformation(MethodDefinitionHandle method)
        {
            if (pdb is null)
            {
                return default;
            }

            ImmutableArray<byte> Blob(Guid kind)
            {
                foreach (var handle in pdb.GetCustomDebugInformation(method))
                {
                    var information = pdb.GetCustomDebugInformation(handle);
                    if (pdb.GetGuid(information.Kind) == kind)
                    {
                        return pdb.GetBlobContent(information.Value);
                    }
                }

                return default;
            }

            return EditAndContinueMethodDebugInformation.Create(Blob(EncLocalSlotMap), Blob(EncLambdaAndClosureMap), Blob(EncStateMachineStateMap));
        }

        StandaloneSignatureHandle LocalSignature(MethodDefinitionHandle method)
        {
            var rva = metadata.GetMethodDefinition(method).RelativeVirtualAddress;
            return rva == 0 ? default : pe.GetMethodBody(rva).LocalSignature;
        }

        return EmitBaseline.CreateInitialBaseline(Compilation, ModuleMetadata.CreateFromImage(Assembly), DebugInformation, LocalSignature, hasPortableDebugInformation: true);
    }

    private static Guid ReadModuleId(byte[] assembly)
    {
        using var pe = new PEReader(assembly.ToImmutableArray());
        var reader = pe.GetMetadataReader();
        return reader.GetGuid(reader.GetModuleDefinition().Mvid);
    }
}
