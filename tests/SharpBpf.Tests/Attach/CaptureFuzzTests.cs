using System.Buffers.Binary;
using System.Diagnostics;
using SharpBpf.Attach;
using Xunit.Abstractions;

namespace SharpBpf.Tests.Attach;

/// <summary>
/// Mutates the committed captures (bit flips, truncations, overwritten length/type fields, inserted and deleted
/// bytes) and requires every read to deliver records and then either end or throw <see cref="BpfCaptureException"/>
/// naming the next record number and an offset inside the file, within a time bound. Set SHARPBPF_FUZZ_CASES=N for a
/// long run and SHARPBPF_FUZZ_SEED=S to replay a seed.
/// </summary>
public class CaptureFuzzTests(ITestOutputHelper output)
{
    private const int DefaultCases = 6_000;
    private static readonly TimeSpan s_perCaseLimit = TimeSpan.FromSeconds(2);
    private static readonly uint[] s_interesting = [0, 1, 3, 4, 11, 12, 13, 16, 0x7F, 0xFFFF, 0x10000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFC, 0xFFFF_FFFF, 0x0A0D0D0A, 0x1A2B3C4D];

    [Fact]
    public void MutatedCapturesYieldRecordsOrTheDocumentedException()
    {
        int cases = int.TryParse(Environment.GetEnvironmentVariable("SHARPBPF_FUZZ_CASES"), out int requested) && requested > 0 ? requested : DefaultCases;
        int seed = int.TryParse(Environment.GetEnvironmentVariable("SHARPBPF_FUZZ_SEED"), out int given) ? given : Environment.TickCount;
        var originals = Captures.AllNames().Select(n => (Name: n, Bytes: File.ReadAllBytes(Captures.PathOf(n)))).ToArray();
        int clean = 0, rejected = 0;
        long records = 0;
        var slowest = TimeSpan.Zero;
        for (int caseNumber = 0; caseNumber < cases; caseNumber++)
        {
            var random = new Random(HashCode.Combine(seed, caseNumber));
            var (name, original) = originals[random.Next(originals.Length)];
            var (mutated, description) = Mutate(original, random);
            bool seekable = random.Next(4) != 0;
            string where = $"seed {seed} case {caseNumber} ({name}, {description}, {(seekable ? "seekable" : "forward-only")})";
            var watch = Stopwatch.StartNew();
            long delivered = 0;
            try
            {
                using CaptureReader reader = CaptureFile.Open(seekable ? new MemoryStream(mutated) : new ForwardOnlyStream(mutated));
                foreach (var record in reader)
                {
                    delivered++;
                    Assert.True(record.CapturedLength <= record.OriginalLength, $"{where}: record {delivered} captured more than its original length");
                    Assert.Equal(delivered, record.RecordNumber);
                }
                clean++;
            }
            catch (BpfCaptureException e)
            {
                rejected++;
                Assert.True(e.RecordNumber == delivered + 1 || (e.RecordNumber == 0 && delivered == 0),
                    $"{where}: error names record {e.RecordNumber} after {delivered} were delivered: {e.Message}");
                Assert.True(e.Offset >= 0 && e.Offset <= mutated.Length, $"{where}: offset {e.Offset} outside the file: {e.Message}");
                Assert.Contains("at byte offset", e.Message);
            }
            catch (Exception e)
            {
                Assert.Fail($"{where}: {e.GetType().Name} instead of BpfCaptureException: {e}");
            }
            records += delivered;
            if (watch.Elapsed > slowest) slowest = watch.Elapsed;
            Assert.True(watch.Elapsed < s_perCaseLimit, $"{where} took {watch.Elapsed}");
        }
        output.WriteLine($"seed {seed}: {cases} cases, {clean} read to the end, {rejected} rejected, {records} records delivered, slowest {slowest.TotalMilliseconds:F1} ms");
        Assert.True(clean > 0 && rejected > 0, "the mutations should both keep some files readable and break others");
    }

    private static (byte[] Bytes, string Description) Mutate(byte[] original, Random random)
    {
        byte[] bytes = (byte[])original.Clone();
        switch (random.Next(6))
        {
            case 0:
            {
                int flips = 1 + random.Next(8);
                for (int i = 0; i < flips; i++) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return (bytes, $"{flips} bit flips");
            }
            case 1:
            {
                int length = random.Next(bytes.Length);
                return (bytes[..length], $"truncated to {length}");
            }
            case 2:
            {
                // Overwrite an aligned 32-bit field (lengths, types, link types, timestamps all sit on 4-byte boundaries).
                int offset = random.Next(bytes.Length / 4) * 4;
                uint value = random.Next(3) == 0 ? (uint)random.Next() : s_interesting[random.Next(s_interesting.Length)];
                if (random.Next(2) == 0) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(offset), value);
                else BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(offset), value);
                return (bytes, $"u32 0x{value:x} at {offset}");
            }
            case 3:
            {
                int offset = random.Next(bytes.Length);
                int count = 1 + random.Next(16);
                byte[] inserted = new byte[count];
                random.NextBytes(inserted);
                return ([.. bytes[..offset], .. inserted, .. bytes[offset..]], $"{count} bytes inserted at {offset}");
            }
            case 4:
            {
                int offset = random.Next(bytes.Length);
                int count = Math.Min(1 + random.Next(16), bytes.Length - offset);
                return ([.. bytes[..offset], .. bytes[(offset + count)..]], $"{count} bytes deleted at {offset}");
            }
            default:
            {
                int offset = random.Next(Math.Min(64, bytes.Length));
                bytes[offset] = (byte)random.Next(256);
                return (bytes, $"header byte {offset} = 0x{bytes[offset]:x2}");
            }
        }
    }
}
