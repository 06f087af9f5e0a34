// SharpBpf quickstart: assemble an eBPF program, inspect it, run it on a packet, and watch a fault get caught.
using System.Text;
using SharpBpf.Asm;
using SharpBpf.Interpreter;
using SharpBpf.Runtime;

// Counts the bytes of the input that equal the byte at offset 0 (a tiny "packet classifier").
// r1 = pointer to the input memory, r2 = its length (the raw memory program type).
const string source = """
        r0 = 0
        r3 = *(u8 *)(r1 + 0)
        r4 = r1
        r4 += r2
    loop:
        if r1 >= r4 goto done
        r5 = *(u8 *)(r1 + 0)
        r1 += 1
        if r5 != r3 goto loop
        r0 += 1
        goto loop
    done:
        exit
    """;

var code = Assembler.Assemble(source, AsmSyntax.Llvm);
Console.WriteLine($"Assembled {code.Length} instructions:");
Console.Write(Disassembler.Disassemble(code, AsmSyntax.Llvm, new DisassemblyOptions { ShowOffsets = true }));

var vm = new Interpreter(code);
byte[] packet = Encoding.ASCII.GetBytes("abracadabra");
Console.WriteLine($"\nRunning on \"{Encoding.ASCII.GetString(packet)}\": r0 = {vm.Run(packet)} (occurrences of 'a')");

// The same program in the conformance suite's syntax, reading one byte past its input.
var faulty = Assembler.Assemble("""
    ldxb %r0, [%r1+11]
    exit
    """, AsmSyntax.Conformance);
try
{
    new Interpreter(faulty).Run(packet);
}
catch (BpfRuntimeException e)
{
    Console.WriteLine($"\nAn out-of-bounds read is stopped, not executed:\n  {e.Message}");
}
