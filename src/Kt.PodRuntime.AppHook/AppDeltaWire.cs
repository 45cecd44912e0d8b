namespace Kt.PodRuntime.AppHook;

/// <summary>One assembly's IL delta, as <c>MetadataUpdater.ApplyUpdate</c> takes it, for the module with MVID <see cref="ModuleId"/>.</summary>
public sealed record AppDelta(string Assembly, Guid ModuleId, byte[] Metadata, byte[] IL, byte[] Pdb, IReadOnlyList<int> UpdatedTypes);

/// <summary>How the app process answered one generation of deltas.</summary>
public enum AppDeltaOutcome : byte
{
    Applied = 0,

    /// <summary>The app runs other bytes than the delta is for (another module version, or no such assembly).</summary>
    Mismatch = 1,

    /// <summary>The runtime refused it (<c>ApplyUpdate</c> threw); nothing of this generation was applied after that.</summary>
    Refused = 2,

    /// <summary>The app's runtime applies no deltas (not started with <c>DOTNET_MODIFIABLE_ASSEMBLIES=debug</c>).</summary>
    Unsupported = 3,
}

/// <summary>
/// The pod runtime ↔ app hook line, over a Unix socket the runtime listens on (<see cref="SocketVariable"/>): the hook
/// says its runtime's capabilities once, then answers each generation of deltas with an outcome. Binary, written and
/// read by this one class on both ends, so the hook needs no serializer of its own inside the user's process.
/// </summary>
public static class AppDeltaWire
{
    /// <summary>The environment variable naming the socket; the hook removes it, so processes the app starts do not connect.</summary>
    public const string SocketVariable = "KT_APP_DELTA_SOCKET";

    public static void WriteHello(BinaryWriter writer, string capabilities)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(capabilities);
        writer.Flush();
    }

    public static string ReadHello(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.ReadString();
    }

    public static void WriteDeltas(BinaryWriter writer, IReadOnlyList<AppDelta> deltas)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(deltas);
        writer.Write(deltas.Count);
        foreach (var delta in deltas)
        {
            writer.Write(delta.Assembly);
            writer.Write(delta.ModuleId.ToByteArray());
            WriteBytes(writer, delta.Metadata);
            WriteBytes(writer, delta.IL);
            WriteBytes(writer, delta.Pdb);
            writer.Write(delta.UpdatedTypes.Count);
            foreach (var token in delta.UpdatedTypes)
            {
                writer.Write(token);
            }
        }

        writer.Flush();
    }

    public static IReadOnlyList<AppDelta> ReadDeltas(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var count = reader.ReadInt32();
        var deltas = new List<AppDelta>(count);
        for (var i = 0; i < count; i++)
        {
            var assembly = reader.ReadString();
            var module = new Guid(reader.ReadBytes(16));
            var (metadata, il, pdb) = (ReadBytes(reader), ReadBytes(reader), ReadBytes(reader));
            var types = new int[reader.ReadInt32()];
            for (var t = 0; t < types.Length; t++)
            {
                types[t] = reader.ReadInt32();
            }

            deltas.Add(new AppDelta(assembly, module, metadata, il, pdb, types));
        }

        return deltas;
    }

    public static void WriteOutcome(BinaryWriter writer, AppDeltaOutcome outcome, string message)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write((byte)outcome);
        writer.Write(message);
        writer.Flush();
    }

    public static (AppDeltaOutcome Outcome, string Message) ReadOutcome(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return ((AppDeltaOutcome)reader.ReadByte(), reader.ReadString());
    }

    private static void WriteBytes(BinaryWriter writer, byte[] bytes)
    {
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    private static byte[] ReadBytes(BinaryReader reader)
    {
        var length = reader.ReadInt32();
        var bytes = reader.ReadBytes(length);
        return bytes.Length == length ? bytes : throw new EndOfStreamException();
    }
}
