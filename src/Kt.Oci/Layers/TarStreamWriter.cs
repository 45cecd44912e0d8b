using System.Buffers;
using System.Text;

namespace Kt.Oci;

/// <summary>
/// Writes tar bytes directly: ustar headers, with GNU long-name/long-link records only when a name does not fit.
/// Written by hand so the bytes depend on nothing but the entries (.NET's TarWriter names PAX extended headers after
/// the process id). uname/gname are always empty.
/// </summary>
internal sealed class TarStreamWriter(Stream output)
{
    private const int Block = 512;
    private static readonly byte[] Zeros = new byte[Block * 2];
    private long position;

    public long BytesWritten => position;

    public async Task WriteEntryAsync(TarHeader header, Stream? content, CancellationToken cancellationToken)
    {
        var name = header.Kind == TarEntryKind.Directory && !header.Name.EndsWith('/') ? header.Name + "/" : header.Name;
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var linkBytes = header.LinkName is null ? [] : Encoding.UTF8.GetBytes(header.LinkName);
        var (prefix, shortName) = SplitUstarName(nameBytes);
        var gnu = shortName is null || linkBytes.Length > 100;
        if (gnu && nameBytes.Length > 100)
        {
            // GNU headers use the ustar prefix field for other data: a long name then needs its own record.
            shortName = null;
        }

        if (linkBytes.Length > 100)
        {
            await WriteLongRecordAsync((byte)'K', linkBytes, header.ModificationTime, cancellationToken).ConfigureAwait(false);
        }

        if (shortName is null)
        {
            await WriteLongRecordAsync((byte)'L', nameBytes, header.ModificationTime, cancellationToken).ConfigureAwait(false);
            prefix = [];
            shortName = nameBytes.AsSpan(0, 100).ToArray();
        }

        var block = BuildHeader(shortName, prefix, header, linkBytes.Length > 100 ? linkBytes.AsSpan(0, 100).ToArray() : linkBytes, gnu);
        await WriteAsync(block, cancellationToken).ConfigureAwait(false);

        if (header.Kind == TarEntryKind.File && header.Size > 0)
        {
            ArgumentNullException.ThrowIfNull(content);
            var copied = await CopyExactlyAsync(content, header.Size, cancellationToken).ConfigureAwait(false);
            if (copied != header.Size)
            {
                throw new Kt.Core.KtException(OciErrors.FileChangedWhileLayering, $"'{header.Name}' changed while the layer was written: expected {header.Size} bytes, read {copied}.");
            }

            await PadAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Two zero blocks end the archive.</summary>
    public Task FinishAsync(CancellationToken cancellationToken) => WriteAsync(Zeros, cancellationToken);

    private async Task WriteLongRecordAsync(byte type, byte[] value, long mtime, CancellationToken cancellationToken)
    {
        var data = new byte[value.Length + 1];
        value.CopyTo(data, 0);
        var header = new TarHeader("././@LongLink", TarEntryKind.File, 0, data.Length, mtime);
        var block = BuildHeader(Encoding.ASCII.GetBytes("././@LongLink"), [], header, [], gnu: true, typeOverride: type);
        await WriteAsync(block, cancellationToken).ConfigureAwait(false);
        await WriteAsync(data, cancellationToken).ConfigureAwait(false);
        await PadAsync(cancellationToken).ConfigureAwait(false);
    }

    private static (byte[] Prefix, byte[]? Name) SplitUstarName(byte[] name)
    {
        if (name.Length <= 100)
        {
            return ([], name);
        }

        // ustar allows prefix (155) + '/' + name (100); split at the first '/' that makes both fit.
        for (var i = Math.Max(0, name.Length - 101); i < name.Length && i <= 155; i++)
        {
            if (name[i] == (byte)'/' && i > 0 && name.Length - i - 1 <= 100 && name.Length - i - 1 > 0)
            {
                return (name.AsSpan(0, i).ToArray(), name.AsSpan(i + 1).ToArray());
            }
        }

        return ([], null);
    }

    private static byte[] BuildHeader(byte[] name, byte[] prefix, TarHeader header, byte[] linkName, bool gnu, byte? typeOverride = null)
    {
        var block = new byte[Block];
        name.CopyTo(block, 0);
        WriteOctal(block.AsSpan(100, 8), header.Mode);
        WriteOctal(block.AsSpan(108, 8), header.Uid);
        WriteOctal(block.AsSpan(116, 8), header.Gid);
        WriteNumber(block.AsSpan(124, 12), header.Kind == TarEntryKind.File ? header.Size : 0);
        WriteNumber(block.AsSpan(136, 12), Math.Max(0, header.ModificationTime));
        block[156] = typeOverride ?? header.Kind switch
        {
            TarEntryKind.File => (byte)'0',
            TarEntryKind.Hardlink => (byte)'1',
            TarEntryKind.Symlink => (byte)'2',
            TarEntryKind.CharacterDevice => (byte)'3',
            TarEntryKind.BlockDevice => (byte)'4',
            TarEntryKind.Directory => (byte)'5',
            TarEntryKind.Fifo => (byte)'6',
            _ => throw new ArgumentOutOfRangeException(nameof(header)),
        };
        linkName.CopyTo(block, 157);
        if (gnu)
        {
            "ustar  \0"u8.CopyTo(block.AsSpan(257));
        }
        else
        {
            "ustar\u000000"u8.CopyTo(block.AsSpan(257));
        }

        WriteOctal(block.AsSpan(329, 8), header.DevMajor);
        WriteOctal(block.AsSpan(337, 8), header.DevMinor);
        prefix.CopyTo(block, 345);

        block.AsSpan(148, 8).Fill((byte)' ');
        var sum = 0;
        foreach (var b in block)
        {
            sum += b;
        }

        WriteOctal(block.AsSpan(148, 7), sum);
        block[155] = (byte)' ';
        return block;
    }

    /// <summary>Zero-padded octal with a trailing NUL, or GNU base-256 when the value does not fit.</summary>
    private static void WriteNumber(Span<byte> field, long value)
    {
        var maxOctal = (1L << (3 * (field.Length - 1))) - 1;
        if (value <= maxOctal)
        {
            WriteOctal(field, value);
            return;
        }

        field.Clear();
        for (var i = field.Length - 1; i > 0 && value != 0; i--)
        {
            field[i] = (byte)(value & 0xFF);
            value >>= 8;
        }

        field[0] = 0x80;
    }

    private static void WriteOctal(Span<byte> field, long value)
    {
        var digits = field.Length - 1;
        for (var i = digits - 1; i >= 0; i--)
        {
            field[i] = (byte)('0' + (value & 7));
            value >>= 3;
        }

        field[digits] = 0;
    }

    private async Task<long> CopyExactlyAsync(Stream content, long size, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            long copied = 0;
            while (copied < size)
            {
                var read = await content.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, size - copied)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                await WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                copied += read;
            }

            if (copied == size && await content.ReadAsync(buffer.AsMemory(0, 1), cancellationToken).ConfigureAwait(false) > 0)
            {
                return copied + 1;
            }

            return copied;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private Task PadAsync(CancellationToken cancellationToken)
    {
        var remainder = (int)(position % Block);
        return remainder == 0 ? Task.CompletedTask : WriteAsync(Zeros.AsMemory(0, Block - remainder), cancellationToken);
    }

    private async Task WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await output.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        position += bytes.Length;
    }
}
