using System.Buffers.Binary;
using System.Diagnostics;
using SharpBpf.Elf;
using Xunit.Abstractions;

namespace SharpBpf.Tests.Elf;

/// <summary>
/// Mutates the fixture objects (bit flips, truncation, random header, section header, symbol and relocation
/// fields) and requires each load to succeed or throw <see cref="BpfElfException"/> naming the offset, within a
/// time bound. Set SHARPBPF_FUZZ_CASES=N for a long run and SHARPBPF_FUZZ_SEED=S to replay a seed.
/// </summary>
public class ElfFuzzTests(ITestOutputHelper output)
{
    private const int DefaultCases = 12_000;
    private static readonly TimeSpan s_perCaseLimit = TimeSpan.FromSeconds(2);

    [Fact]
    public void MutatedObjectsLoadOrThrowTheDocumentedException()
    {
        int cases = int.TryParse(Environment.GetEnvironmentVariable("SHARPBPF_FUZZ_CASES"), out int requested) && requested > 0 ? requested : DefaultCases;
        int seed = int.TryParse(Environment.GetEnvironmentVariable("SHARPBPF_FUZZ_SEED"), out int given) ? given : Environment.TickCount;
        var originals = Fixtures.AllNames().Select(n => (Name: n, Bytes: Fixtures.Bytes(n), Layout: Layout.Of(Fixtures.Bytes(n)))).ToArray();
        int loaded = 0, rejected = 0;
        var slowest = TimeSpan.Zero;
        for (int caseNumber = 0; caseNumber < cases; caseNumber++)
        {
            // Each case has its own generator so a failure replays from (seed, case number) alone.
            var random = new Random(HashCode.Combine(seed, caseNumber));
            var (name, original, layout) = originals[random.Next(originals.Length)];
            var (mutated, description) = Mutate(original, layout, random);
            var watch = Stopwatch.StartNew();
            try
            {
                BpfObject.Load(mutated);
                loaded++;
            }
            catch (BpfElfException e)
            {
                rejected++;
                Assert.True(e.Message.Contains("offset 0x", StringComparison.Ordinal) && e.Offset >= 0,
                    $"seed {seed} case {caseNumber} ({name}, {description}): message lacks the offset: {e.Message}");
                Assert.True(e.Section is null ? e.Message.StartsWith("ELF header", StringComparison.Ordinal) : e.Message.Contains($"'{e.Section}'", StringComparison.Ordinal),
                    $"seed {seed} case {caseNumber} ({name}, {description}): message does not name the section: {e.Message}");
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed} case {caseNumber} ({name}, {description}): {e.GetType().Name} instead of BpfElfException: {e}");
            }
            if (watch.Elapsed > slowest) slowest = watch.Elapsed;
            Assert.True(watch.Elapsed < s_perCaseLimit, $"seed {seed} case {caseNumber} ({name}, {description}) took {watch.Elapsed}");
        }
        output.WriteLine($"seed {seed}: {cases} cases, {loaded} loaded, {rejected} rejected, slowest {slowest.TotalMilliseconds:F1} ms");
        Assert.True(loaded > 0 && rejected > 0, "the mutations should both keep some objects loadable and break others");
    }

    /// <summary>File offsets of the structures worth mutating, read from the unmutated fixture.</summary>
    private sealed record Layout(int[] SectionHeaders, int[] Symbols, int[] Relocations, int[] RelocationSizes, (int Offset, int Size)[] Contents)
    {
        public static Layout Of(byte[] elf)
        {
            long tableOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(40));
            int count = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(60));
            var headers = Enumerable.Range(0, count).Select(i => (int)tableOffset + i * 64).ToArray();
            var symbols = new List<int>();
            var relocations = new List<int>();
            var relocationSizes = new List<int>();
            var contents = new List<(int, int)>();
            foreach (int header in headers)
            {
                uint type = BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(header + 4));
                int offset = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(header + 24));
                int size = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(header + 32));
                if (type is 2) for (int at = offset; at + 24 <= offset + size; at += 24) symbols.Add(at);
                if (type is 9 or 4)
                {
                    int entry = type == 9 ? 16 : 24;
                    for (int at = offset; at + entry <= offset + size; at += entry) { relocations.Add(at); relocationSizes.Add(entry); }
                }
                if (type is not (0 or 8) && size > 0) contents.Add((offset, size));
            }
            return new Layout(headers, [.. symbols], [.. relocations], [.. relocationSizes], [.. contents]);
        }
    }

    private static (byte[] Bytes, string Description) Mutate(byte[] original, Layout layout, Random random)
    {
        var bytes = (byte[])original.Clone();
        int mutations = 1 + random.Next(3);
        var description = new List<string>();
        for (int m = 0; m < mutations; m++)
        {
            switch (random.Next(8))
            {
                case 0 when bytes.Length > 0:
                    int bit = random.Next(bytes.Length * 8);
                    bytes[bit / 8] ^= (byte)(1 << (bit % 8));
                    description.Add($"flip bit {bit}");
                    break;
                case 1:
                    int length = random.Next(bytes.Length);
                    Array.Resize(ref bytes, length);
                    description.Add($"truncate to {length}");
                    break;
                case 2:
                    int field = random.Next(16, 64);
                    WriteRandom(bytes, field, random, description, "ELF header");
                    break;
                case 3:
                    WriteRandom(bytes, layout.SectionHeaders[random.Next(layout.SectionHeaders.Length)] + random.Next(64), random, description, "section header");
                    break;
                case 4 when layout.Symbols.Length > 0:
                    WriteRandom(bytes, layout.Symbols[random.Next(layout.Symbols.Length)] + random.Next(24), random, description, "symbol");
                    break;
                case 5 when layout.Relocations.Length > 0:
                    int r = random.Next(layout.Relocations.Length);
                    WriteRandom(bytes, layout.Relocations[r] + random.Next(layout.RelocationSizes[r]), random, description, "relocation");
                    break;
                case 6 when layout.Contents.Length > 0:
                    var (offset, size) = layout.Contents[random.Next(layout.Contents.Length)];
                    WriteRandom(bytes, offset + random.Next(size), random, description, "section contents");
                    break;
                default:
                    int at = random.Next(bytes.Length);
                    if (at < bytes.Length) bytes[at] = (byte)random.Next(256);
                    description.Add($"random byte at {at}");
                    break;
            }
        }
        return (bytes, string.Join(", ", description));
    }

    /// <summary>Writes a 1-, 2-, 4- or 8-byte value biased towards boundary values at <paramref name="offset"/>.</summary>
    private static void WriteRandom(byte[] bytes, int offset, Random random, List<string> description, string what)
    {
        int width = 1 << random.Next(4);
        ulong value = random.Next(6) switch
        {
            0 => 0,
            1 => ulong.MaxValue,
            2 => (ulong)random.Next(64),
            3 => 1ul << random.Next(64),
            4 => (ulong)bytes.Length - (ulong)random.Next(16),
            _ => (ulong)random.NextInt64(),
        };
        for (int i = 0; i < width && offset + i < bytes.Length; i++) bytes[offset + i] = (byte)(value >> (8 * i));
        description.Add($"{what}: {width} bytes at {offset} = 0x{value:x}");
    }
}
