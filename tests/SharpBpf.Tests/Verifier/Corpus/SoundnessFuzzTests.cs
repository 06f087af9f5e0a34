using System.Diagnostics;
using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Maps;
using SharpBpf.ProgramTypes;
using SharpBpf.Runtime;
using SharpBpf.Verifier;
using Xunit.Abstractions;
using I = SharpBpf.Isa.Insn;

namespace SharpBpf.Tests.Verifier.Corpus;

/// <summary>
/// Soundness: every random program the verifier accepts must run on the interpreter (which checks every access
/// against the run's memory regions) without an out-of-bounds or read-only fault. Programs use the raw memory type
/// (context = <see cref="ProgramTypeInfo.DefaultRawMemorySize"/> bytes), the stack and an array map's values, with
/// constant and variable (masked / compared) offsets placed around every boundary. CI runs 20,000 programs;
/// <c>SHARPBPF_VERIFIER_FUZZ=N</c> runs N. A failure prints the seed that replays it
/// (<c>SHARPBPF_VERIFIER_FUZZ_SEED=S SHARPBPF_VERIFIER_FUZZ=1</c>).
/// </summary>
public class SoundnessFuzzTests(ITestOutputHelper output)
{
    private const int MemorySize = ProgramTypeInfo.DefaultRawMemorySize;
    private const int ValueSize = 16;
    private static readonly MapDefinition ArrayMap = new() { Name = "vals", Type = MapType.Array, KeySize = 4, ValueSize = ValueSize, MaxEntries = 4 };

    [Fact]
    public void AcceptedProgramsNeverFaultOnTheInterpreter()
    {
        int count = int.TryParse(Environment.GetEnvironmentVariable("SHARPBPF_VERIFIER_FUZZ"), out int n) ? n : 20_000;
        int firstSeed = int.TryParse(Environment.GetEnvironmentVariable("SHARPBPF_VERIFIER_FUZZ_SEED"), out int s) ? s : 1;
        var helpers = StandardHelpers.Register(new HelperTable(), new HelperEnvironment());
        using var map = BpfMap.Create(ArrayMap);
        var memory = new byte[MemorySize];
        var stopwatch = Stopwatch.StartNew();
        int accepted = 0, ran = 0;
        var kinds = new Dictionary<VerifierErrorKind, int>();
        for (int seed = firstSeed; seed < firstSeed + count; seed++)
        {
            var program = Generate(new Random(seed));
            var result = BpfVerifier.Verify(new VerifierInput(Bytecode.FromInstructions(program), BpfProgramType.Unspecified, [ArrayMap], helpers),
                new VerifierOptions { Privileged = true });
            if (!result.Accepted)
            {
                if (Environment.GetEnvironmentVariable("SHARPBPF_VERIFIER_FUZZ_VERBOSE") == "1") output.WriteLine($"seed {seed}: {result.Error}");
                kinds[result.Error!.Kind] = kinds.GetValueOrDefault(result.Error.Kind) + 1;
                continue;
            }
            accepted++;
            var runnable = Bytecode.FromInstructions(ResolveMap(program, map.Handle));
            var interpreter = new SharpBpf.Interpreter.Interpreter(runnable, helpers);
            new Random(seed ^ 0x5eed).NextBytes(memory);
            try
            {
                var context = interpreter.RentContext();
                unsafe
                {
                    fixed (byte* start = memory)
                    {
                        context.AddRegion(new SharpBpf.Memory.MemoryRegion((ulong)start, MemorySize, SharpBpf.Memory.MemoryAccess.ReadWrite, "memory"));
                        map.AddRegionsTo(context);
                        interpreter.Run(context, (ulong)start, MemorySize);
                    }
                }
                ran++;
            }
            catch (BpfRuntimeException fault) when (fault.Error is RuntimeError.OutOfBounds or RuntimeError.WriteToReadOnly)
            {
                Assert.Fail($"seed {seed}: the verifier accepted a program that faults: {fault.Message}\n" +
                            $"replay: SHARPBPF_VERIFIER_FUZZ_SEED={seed} SHARPBPF_VERIFIER_FUZZ=1\n{SharpBpf.Asm.Disassembler.Disassemble(runnable, SharpBpf.Asm.AsmSyntax.Llvm)}");
            }
        }
        output.WriteLine($"{count} programs in {stopwatch.Elapsed.TotalSeconds:F1} s: {accepted} accepted ({100.0 * accepted / count:F1} %), {ran} ran cleanly");
        output.WriteLine("rejections: " + string.Join(", ", kinds.OrderByDescending(k => k.Value).Select(k => $"{k.Key} {k.Value}")));
        // A fuzz that rejects (nearly) everything proves nothing.
        Assert.True(accepted >= count / 5, $"only {accepted} of {count} programs were accepted");
        Assert.True(accepted < count, "every program was accepted: the generator never goes out of bounds");
    }

    private static Instruction[] ResolveMap(Instruction[] program, ulong handle)
    {
        var resolved = (Instruction[])program.Clone();
        for (int i = 0; i + 1 < resolved.Length; i++)
        {
            if (resolved[i].Opcode != (Bpf.LD | Bpf.DW | Bpf.IMM) || resolved[i].Src != Bpf.PSEUDO_MAP_IDX) continue;
            var plain = I.LdImm64(resolved[i].Dst, handle);
            resolved[i] = plain[0];
            resolved[i + 1] = plain[1];
        }
        return resolved;
    }

    // Registers: r6 = memory, r7 = map value (or NULL), r8 = scratch pointer, r0-r5 and r9 scalars.
    private static readonly int[] Scalars = [0, 2, 3, 4, 5, 9];
    private static readonly byte[] Sizes = [Bpf.B, Bpf.H, Bpf.W, Bpf.DW];

    private static int Bytes(byte size) => size switch { Bpf.B => 1, Bpf.H => 2, Bpf.W => 4, _ => 8 };

    /// <summary>An offset near one of the interesting boundaries of a region [0, size).</summary>
    private static int Near(Random random, int size, int accessBytes) => Math.Max(size, 1) is var span && random.Next(10) switch
    {
        0 or 1 => random.Next(-3, 4),                              // around the start
        2 or 3 => span - accessBytes + random.Next(-3, 4),         // around the end
        9 => random.Next(-span / 2, span + span / 2),              // anywhere
        _ => random.Next(0, Math.Max(1, span - accessBytes + 1)),  // inside
    } is var offset ? offset / accessBytes * accessBytes : 0;

    private static Instruction[] Generate(Random random)
    {
        var code = new List<Instruction>
        {
            I.Mov64Reg(6, 1),
            I.StMem(Bpf.W, 10, -4, random.Next(0, 5)), // key 4 is out of range: the lookup returns NULL at run time
            I.Mov64Reg(2, 10),
            I.Alu64Imm(Bpf.ADD, 2, -4),
        };
        code.AddRange(I.LdImm64Raw(1, Bpf.PSEUDO_MAP_IDX, 0));
        code.Add(I.EmitCall(HelperIds.MapLookupElem));
        code.Add(I.Mov64Reg(7, 0));
        bool nullChecked = random.Next(8) != 0;
        int nullCheck = code.Count;
        if (nullChecked) code.Add(default); // patched to "if r7 == 0 goto exit" below
        foreach (int r in Scalars) code.Add(I.Mov64Imm(r, random.Next(-4, 64)));
        int steps = random.Next(2, 12);
        for (int step = 0; step < steps; step++)
        {
            int dst = Scalars[random.Next(Scalars.Length)];
            int src = Scalars[random.Next(Scalars.Length)];
            byte size = Sizes[random.Next(Sizes.Length)];
            int bytes = Bytes(size);
            int pick = random.Next(12);
            // Accesses through a moved context pointer are always rejected (as in Linux), so they are kept rare.
            if (pick is 2 or 3 or 11 && random.Next(4) != 0) pick = 8;
            switch (pick)
            {
                case 0: // memory load, constant offset
                    code.Add(I.LdxMem(size, dst, 6, (short)Near(random, MemorySize, bytes)));
                    break;
                case 1: // memory store, constant offset
                    code.Add(I.StxMem(size, 6, src, (short)Near(random, MemorySize, bytes)));
                    break;
                case 2: // memory access at a masked variable offset
                {
                    int mask = (1 << random.Next(2, 14)) - 1;
                    code.Add(I.Alu64Imm(Bpf.AND, src, mask));
                    code.Add(I.Mov64Reg(8, 6));
                    code.Add(I.Alu64Reg(Bpf.ADD, 8, src));
                    short offset = (short)(random.Next(2) == 0 ? 0 : Near(random, MemorySize - mask, bytes));
                    code.Add(random.Next(2) == 0 ? I.LdxMem(size, dst, 8, offset) : I.StxMem(size, 8, dst, offset));
                    break;
                }
                case 3: // memory access at a compared variable offset (if src > limit skip)
                {
                    int limit = Near(random, MemorySize, bytes);
                    code.Add(I.JmpImm(Bpf.JGT, src, limit, 3));
                    code.Add(I.Mov64Reg(8, 6));
                    code.Add(I.Alu64Reg(Bpf.ADD, 8, src));
                    code.Add(I.LdxMem(size, dst, 8, 0));
                    break;
                }
                case 4: // stack store
                {
                    int offset = -8 * random.Next(1, 66) + (random.Next(6) == 0 ? random.Next(0, 16) : 0);
                    code.Add(I.StxMem(Bpf.DW, 10, src, (short)offset));
                    break;
                }
                case 5: // stack load
                    code.Add(I.LdxMem(size, dst, 10, (short)(-bytes * random.Next(1, 520 / bytes + 2))));
                    break;
                case 6: // map value access
                {
                    short offset = (short)Near(random, ValueSize, bytes);
                    code.Add(random.Next(2) == 0 ? I.LdxMem(size, dst, 7, offset) : I.StxMem(size, 7, src, offset));
                    break;
                }
                case 7: // map value access at a masked offset
                {
                    int mask = (1 << random.Next(1, 5)) - 1;
                    code.Add(I.Alu64Imm(Bpf.AND, src, mask));
                    code.Add(I.Mov64Reg(8, 7));
                    code.Add(I.Alu64Reg(Bpf.ADD, 8, src));
                    code.Add(I.LdxMem(size, dst, 8, (short)Near(random, ValueSize - mask, bytes)));
                    break;
                }
                case 8: // scalar ALU
                {
                    byte[] ops = [Bpf.ADD, Bpf.SUB, Bpf.AND, Bpf.OR, Bpf.RSH, Bpf.LSH, Bpf.MUL, Bpf.XOR];
                    byte op = ops[random.Next(ops.Length)];
                    int imm = op is Bpf.RSH or Bpf.LSH ? random.Next(0, 64) : random.Next(-64, 4096);
                    code.Add(random.Next(4) == 0 ? I.Alu32Imm(op, dst, op is Bpf.RSH or Bpf.LSH ? imm % 32 : imm) : I.Alu64Imm(op, dst, imm));
                    break;
                }
                case 9: // scalar from scalar
                    code.Add(random.Next(2) == 0 ? I.Alu64Reg(Bpf.ADD, dst, src) : I.Mov64Reg(dst, src));
                    break;
                case 10: // forward branch over the next instruction(s)
                {
                    byte[] jumps = [Bpf.JGT, Bpf.JGE, Bpf.JLT, Bpf.JLE, Bpf.JEQ, Bpf.JNE, Bpf.JSGT, Bpf.JSLT];
                    code.Add(I.JmpImm(jumps[random.Next(jumps.Length)], dst, random.Next(-8, MemorySize + 8), 1));
                    code.Add(I.LdxMem(size, src, 6, (short)Near(random, MemorySize, bytes)));
                    break;
                }
                default: // read through the memory pointer moved by a constant
                {
                    int delta = Near(random, MemorySize, 1);
                    code.Add(I.Mov64Reg(8, 6));
                    code.Add(I.Alu64Imm(Bpf.ADD, 8, delta));
                    code.Add(I.LdxMem(size, dst, 8, (short)Near(random, MemorySize, bytes)));
                    break;
                }
            }
        }
        int exit = code.Count;
        code.Add(I.Mov64Imm(0, 0));
        code.Add(I.ExitInsn());
        if (nullChecked) code[nullCheck] = I.JmpImm(Bpf.JEQ, 7, 0, (short)(exit - nullCheck - 1));
        return [.. code];
    }
}
