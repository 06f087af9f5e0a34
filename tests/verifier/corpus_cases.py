# Case list for make_corpus.py (executed inside it). See the header of make_corpus.py for the notation.
OUT = """
out:
r0 = 0
exit
"""
def mv(name, body, expect="accept", maps=ARR, **kw):
    case("map_value", name, LOOKUP + "if r0 == 0 goto out\n" + body + OUT, expect, maps=maps, **kw)

# ================================================================ alu: registers, ALU rules, scalar ranges
case("alu", "return_zero", "r0 = 0\nexit")
case("alu", "exit_without_r0", "exit !!", ("UninitializedRegister", "r0 is not initialized"))
case("alu", "read_uninit_r2", "r0 = r2 !!\nexit", "UninitializedRegister")
case("alu", "add_uninit_source", "r0 = 1\nr0 += r7 !!\nexit", "UninitializedRegister")
case("alu", "uninit_in_compare", "r0 = 0\nif r3 > 1 goto l !!\nl:\nexit", "UninitializedRegister")
case("alu", "r1_clobbered_by_call", "call 7\nr0 = r1 !!\nexit", "UninitializedRegister")
case("alu", "r5_clobbered_by_call", "r5 = 1\ncall 7\nr0 = r5 !!\nexit", "UninitializedRegister")
case("alu", "callee_saved_survive_helper", "r6 = 1\nr9 = 2\ncall 7\nr0 = r6\nr0 += r9\nexit")
case("alu", "helper_result_is_scalar", "call 7\nr0 += 1\nexit")
case("alu", "div_by_const_zero", "r0 = 1\nr0 /= 0 !!\nexit", "DivisionByZero")
case("alu", "mod_by_const_zero", "r0 = 1\nr0 %= 0 !!\nexit", "DivisionByZero")
case("alu", "div32_by_const_zero", "w0 = 1\nw0 /= 0 !!\nexit", "DivisionByZero")
case("alu", "mod32_by_const_zero", "w0 = 7\nw0 %= 0 !!\nexit", "DivisionByZero")
case("alu", "div_by_zero_register_is_defined", "r0 = 1\nr1 = 0\nr0 /= r1\nexit",
     note="division by a register holding 0 yields 0 at run time; the kernel accepts it")
case("alu", "mod_by_unknown_register", "call 7\nr1 = r0\nr0 = 100\nr0 %= r1\nexit")
case("alu", "shift64_by_64", "r0 = 1\nr0 <<= 64 !!\nexit", "UnsupportedInstruction")
case("alu", "shift32_by_32", "w0 = 1\nw0 >>= 32 !!\nexit", "UnsupportedInstruction")
case("alu", "arsh64_by_63", "r0 = -8\nr0 s>>= 63\nexit")
case("alu", "shift_by_unknown_register", "call 7\nr1 = r0\nr0 = 1\nr0 <<= r1\nexit")
case("alu", "alu32_zero_extends", "r0 = -1\nw0 += 0\nr0 >>= 32\nexit")
case("alu", "byte_swap", "r0 = 0x1234\nr0 = be16 r0\nr0 = le64 r0\nexit")
case("alu", "neg_and_xor", "call 7\nr0 = -r0\nr0 ^= 0x55\nexit")
case("alu", "ptr_and_prohibited", "r0 = r1\nr0 &= 1 !!\nexit", "PointerArithmetic")
case("alu", "ptr_or_prohibited", "r0 = r10\nr0 |= 8 !!\nexit", "PointerArithmetic")
case("alu", "ptr_shift_prohibited", "r0 = r10\nr0 >>= 1 !!\nexit", "PointerArithmetic")
case("alu", "ptr_mul_prohibited", "r0 = r10\nr0 *= 2 !!\nexit", "PointerArithmetic")
case("alu", "ptr_alu32_prohibited", "r0 = r10\nw0 += 1 !!\nexit", "PointerArithmetic")
case("alu", "ptr_plus_ptr_prohibited", "r0 = r10\nr0 += r1 !!\nexit", "PointerArithmetic")
case("alu", "ptr_minus_ptr_privileged", "r0 = r10\nr0 -= r1\nexit",
     note="privileged: pointer - pointer yields an unknown scalar")
case("alu", "ptr_neg_privileged", "r0 = r10\nr0 = -r0\nexit", note="privileged: negating a pointer yields an unknown scalar")
case("alu", "ptr_neg_unprivileged", "r0 = r10\nr0 = -r0 !!\nexit", "PointerArithmetic", privileged=False, kernel=False)
case("alu", "map_ptr_arithmetic", "ld_pseudo r1, 5, 0\nr1 += 8 !!\nr0 = 0\nexit", "PointerArithmetic", maps=ARR)
case("alu", "map_or_null_arithmetic", LOOKUP + "r0 += 8 !!\nr0 = 0\nexit", "NullCheckRequired", maps=HASH)
case("alu", "stack_ptr_known_math", "r2 = r10\nr2 += -16\nr2 += 8\n*(u64 *)(r2 + 0) = 1\nr0 = *(u64 *)(r10 - 8)\nexit")
case("alu", "scalar_bounds_after_and", "call 7\nr0 &= 3\nr0 += 1\nexit")
case("alu", "mov32_from_pointer_privileged", "w0 = w10\nexit",
     note="privileged: a 32-bit move of a pointer yields an unknown scalar")
case("alu", "sign_extending_move", "call 7\nr0 = (s8)r0\nexit")
case("alu", "signed_division", "call 7\nr1 = r0\nr1 |= 1\nr0 s/= r1\nexit")
case("alu", "signed_division_by_const_zero", "r0 = 5\nr0 s/= 0 !!\nexit", "DivisionByZero")

# ================================================================ map_value: bounds of map value accesses
mv("read_in_bounds", "r1 = *(u64 *)(r0 + 8)")
mv("read_last_byte", "r1 = *(u8 *)(r0 + 15)")
mv("read_past_end", "r1 = *(u64 *)(r0 + 12) !!", "OutOfBoundsAccess")
mv("read_one_past_end", "r1 = *(u8 *)(r0 + 16) !!", "OutOfBoundsAccess")
mv("read_negative_offset", "r1 = *(u8 *)(r0 - 1) !!", "OutOfBoundsAccess")
mv("write_in_bounds", "*(u32 *)(r0 + 12) = 1")
mv("write_register_in_bounds", "r1 = 7\n*(u64 *)(r0 + 0) = r1")
mv("write_past_end", "r1 = 7\n*(u64 *)(r0 + 16) = r1 !!", "OutOfBoundsAccess")
mv("write_straddles_end", "*(u32 *)(r0 + 14) = 1 !!", "OutOfBoundsAccess")
case("map_value", "no_null_check", LOOKUP + "r1 = *(u64 *)(r0 + 0) !!\nr0 = 0\nexit", "NullCheckRequired", maps=HASH, note="a hash lookup may fail (Linux 6.14+ proves constant in-range ARRAY lookups non-null, so a hash map is used)")
case("map_value", "array_constant_key_needs_no_null_check", LOOKUP + "r1 = *(u64 *)(r0 + 0)\nr0 = 0\nexit", maps=ARR, kernel=True, note="Linux 6.14+: a constant in-range key into an array map cannot miss")
case("map_value", "write_without_null_check", LOOKUP + "*(u64 *)(r0 + 0) = 1 !!\nr0 = 0\nexit", "NullCheckRequired", maps=HASH)
case("map_value", "null_branch_dereferenced", LOOKUP + "if r0 != 0 goto out\nr1 = *(u64 *)(r0 + 0) !!\n" + OUT,
     "InvalidMemoryAccess", maps=HASH)
case("map_value", "null_check_with_jeq_to_use", LOOKUP + "if r0 == 0 goto out\ngoto use\nuse:\nr1 = *(u32 *)(r0 + 4)\n" + OUT, maps=ARR)
case("map_value", "copy_inherits_null_check", LOOKUP + "r6 = r0\nif r0 == 0 goto out\nr1 = *(u64 *)(r6 + 0)\n" + OUT, maps=ARR)
case("map_value", "copy_arith_before_null_check", LOOKUP + "r6 = r0\nr6 += 8 !!\nif r0 == 0 goto out\n" + OUT,
     "NullCheckRequired", maps=HASH)
mv("var_off_masked", "r1 = *(u32 *)(r0 + 0)\nr1 &= 7\nr0 += r1\nr2 = *(u64 *)(r0 + 0)")
mv("var_off_mask_too_wide", "r1 = *(u32 *)(r0 + 0)\nr1 &= 15\nr0 += r1\nr2 = *(u64 *)(r0 + 0) !!", "OutOfBoundsAccess")
mv("var_off_unbounded_u32", "r1 = *(u32 *)(r0 + 0)\nr0 += r1\nr2 = *(u8 *)(r0 + 0) !!", "OutOfBoundsAccess")
mv("var_off_unbounded_u64", "r1 = *(u64 *)(r0 + 0)\nr0 += r1 !!\nr2 = *(u8 *)(r0 + 0)", "PointerArithmetic",
   note="a 64-bit unknown has an unbounded minimum: the kernel refuses the pointer addition itself")
mv("bounded_by_jgt", "r1 = *(u32 *)(r0 + 0)\nif r1 > 12 goto out\nr0 += r1\nr2 = *(u32 *)(r0 + 0)")
mv("bounded_by_jgt_off_by_one", "r1 = *(u32 *)(r0 + 0)\nif r1 > 13 goto out\nr0 += r1\nr2 = *(u32 *)(r0 + 0) !!", "OutOfBoundsAccess")
mv("bounded_by_jge", "r1 = *(u32 *)(r0 + 0)\nif r1 >= 13 goto out\nr0 += r1\nr2 = *(u32 *)(r0 + 0)")
mv("bounded_by_jlt_branch", "r1 = *(u32 *)(r0 + 0)\nif r1 < 9 goto ok\ngoto out\nok:\nr0 += r1\nr2 = *(u64 *)(r0 + 0)")
mv("bounded_by_jle_branch_too_wide", "r1 = *(u32 *)(r0 + 0)\nif r1 <= 9 goto ok\ngoto out\nok:\nr0 += r1\nr2 = *(u64 *)(r0 + 0) !!", "OutOfBoundsAccess")
mv("bounded_reversed_compare", "r1 = *(u32 *)(r0 + 0)\nr2 = 12\nif r2 < r1 goto out\nr0 += r1\nr2 = *(u32 *)(r0 + 0)")
mv("signed_upper_only_u64", "r1 = *(u64 *)(r0 + 0)\nif r1 s> 12 goto out\nr0 += r1 !!\nr2 = *(u8 *)(r0 + 0)", "PointerArithmetic")
mv("signed_both_bounds_u64", "r1 = *(u64 *)(r0 + 0)\nif r1 s> 12 goto out\nif r1 s< 0 goto out\nr0 += r1\nr2 = *(u32 *)(r0 + 0)")
mv("signed_upper_on_u32_load", "r1 = *(u32 *)(r0 + 0)\nif r1 s> 12 goto out\nr0 += r1\nr2 = *(u32 *)(r0 + 0)",
   note="a zero-extended u32 is never negative, so a signed upper bound suffices")
mv("unsigned_bound_on_u64", "r1 = *(u64 *)(r0 + 0)\nif r1 > 8 goto out\nr0 += r1\nr2 = *(u64 *)(r0 + 0)")
mv("jmp32_bound_on_u32", "r1 = *(u32 *)(r0 + 0)\nif w1 > 12 goto out\nr0 += r1\nr2 = *(u32 *)(r0 + 0)")
mv("jmp32_bound_on_u64", "r1 = *(u64 *)(r0 + 0)\nif w1 > 12 goto out\nr0 += r1 !!\nr2 = *(u32 *)(r0 + 0)", "PointerArithmetic",
   note="a 32-bit comparison says nothing about the upper half of a 64-bit value")
mv("shift_bound", "r1 = *(u32 *)(r0 + 0)\nr1 >>= 28\nr0 += r1\nr2 = *(u8 *)(r0 + 0)")
mv("shift_bound_too_wide", "r1 = *(u32 *)(r0 + 0)\nr1 >>= 27\nr0 += r1\nr2 = *(u8 *)(r0 + 0) !!", "OutOfBoundsAccess")
mv("mul_bound", "r1 = *(u32 *)(r0 + 0)\nr1 &= 3\nr1 *= 4\nr0 += r1\nr2 = *(u32 *)(r0 + 0)")
mv("mul_bound_too_wide", "r1 = *(u32 *)(r0 + 0)\nr1 &= 3\nr1 *= 5\nr0 += r1\nr2 = *(u32 *)(r0 + 0) !!", "OutOfBoundsAccess")
mv("or_bound", "r1 = *(u32 *)(r0 + 0)\nr1 &= 3\nr1 |= 4\nr0 += r1\nr2 = *(u64 *)(r0 + 0)")
mv("const_add_then_load", "r0 += 8\nr1 = *(u64 *)(r0 + 0)")
mv("const_add_past_end", "r0 += 12\nr1 = *(u64 *)(r0 + 0) !!", "OutOfBoundsAccess")
mv("const_sub_negative", "r0 -= 4\nr1 = *(u32 *)(r0 + 0) !!", "OutOfBoundsAccess")
mv("const_add_then_negative_offset", "r0 += 8\nr1 = *(u32 *)(r0 - 8)")
mv("scalar_spill_keeps_bounds", "r1 = *(u32 *)(r0 + 0)\nr1 &= 7\n*(u64 *)(r10 - 16) = r1\nr2 = *(u64 *)(r10 - 16)\nr0 += r2\nr3 = *(u64 *)(r0 + 0)")
mv("bound_lost_through_alu32_add", "r1 = *(u32 *)(r0 + 0)\nr1 &= 7\nw1 += -1\nr0 += r1\nr2 = *(u8 *)(r0 + 0) !!", "OutOfBoundsAccess",
   note="0 - 1 wraps to 0xffffffff in 32 bits")
mv("var_off_then_negative_insn_offset", "r1 = *(u32 *)(r0 + 0)\nr1 &= 7\nr0 += r1\nr2 = *(u8 *)(r0 - 1) !!", "OutOfBoundsAccess")
mv("var_off_with_positive_insn_offset", "r1 = *(u32 *)(r0 + 0)\nr1 &= 7\nr0 += r1\nr2 = *(u8 *)(r0 + 8)")
mv("hash_value_8_ok", "*(u64 *)(r0 + 0) = 1", maps=HASH)
mv("hash_value_8_past_end", "r1 = *(u64 *)(r0 + 4) !!", "OutOfBoundsAccess", maps=HASH)
mv("percpu_array_value", "r1 = *(u32 *)(r0 + 12)", maps="pc percpu_array 4 16 4")
mv("lru_hash_value_past_end", "r1 = *(u32 *)(r0 + 8) !!", "OutOfBoundsAccess", maps="lru lru_hash 4 8 16")
mv("lookup_second_map", "r6 = r0\nr1 = 0\n*(u32 *)(r10 - 8) = r1\nr2 = r10\nr2 += -8\nld_pseudo r1, 5, 1\ncall 1\nif r0 == 0 goto out\nr1 = *(u64 *)(r0 + 0)\nr2 = *(u64 *)(r6 + 8)",
   maps=ARR + ";" + HASH)
mv("lookup_second_map_uses_its_size", "r1 = 0\n*(u32 *)(r10 - 8) = r1\nr2 = r10\nr2 += -8\nld_pseudo r1, 5, 1\ncall 1\nif r0 == 0 goto out\nr1 = *(u64 *)(r0 + 8) !!",
   "OutOfBoundsAccess", maps=ARR + ";" + HASH)
case("map_value", "direct_value_load", "ld_pseudo r1, 6, 0\nr0 = *(u64 *)(r1 + 8)\nexit", maps="glob array 4 16 1")
case("map_value", "direct_value_past_end", "ld_pseudo r1, 6, 0\nr0 = *(u64 *)(r1 + 16) !!\nexit", "OutOfBoundsAccess", maps="glob array 4 16 1")
case("map_value", "direct_value_with_offset", "ld_pseudo r1, 6, 0x800000000\nr0 = *(u64 *)(r1 + 0)\nexit", maps="glob array 4 16 1")
case("map_value", "direct_value_with_offset_past_end", "ld_pseudo r1, 6, 0x800000000\nr0 = *(u64 *)(r1 + 8) !!\nexit", "OutOfBoundsAccess", maps="glob array 4 16 1")
case("map_value", "direct_value_write", "ld_pseudo r1, 6, 0\n*(u32 *)(r1 + 4) = 9\nr0 = 0\nexit", maps="glob array 4 16 1")
case("map_value", "map_index_out_of_range", "ld_pseudo r1, 5, 3 !!\nr0 = 0\nexit", "InvalidMapReference", maps=ARR, kernel=False)

# ================================================================ stack: frame bounds, spill/fill, initialisation
case("stack", "store_then_load", "r2 = 5\n*(u64 *)(r10 - 8) = r2\nr0 = *(u64 *)(r10 - 8)\nexit")
case("stack", "store_imm_then_load", "*(u32 *)(r10 - 4) = 7\nr0 = *(u32 *)(r10 - 4)\nexit")
case("stack", "read_uninit", "r0 = *(u64 *)(r10 - 8) !!\nexit", "InvalidMemoryAccess", privileged=False, kernel=False)
case("stack", "read_uninit_privileged", "r0 = *(u64 *)(r10 - 8)\nexit", note="Linux lets CAP_PERFMON programs read uninitialised stack (allow_uninit_stack)")
case("stack", "read_partially_init", "*(u32 *)(r10 - 8) = 1\nr0 = *(u64 *)(r10 - 8) !!\nexit", "InvalidMemoryAccess", privileged=False, kernel=False)
case("stack", "read_other_slot_uninit", "*(u64 *)(r10 - 8) = 1\nr0 = *(u64 *)(r10 - 16) !!\nexit", "InvalidMemoryAccess", privileged=False, kernel=False)
case("stack", "write_at_frame_pointer", "r2 = 1\n*(u64 *)(r10 + 0) = r2 !!\nr0 = 0\nexit", "OutOfBoundsAccess")
case("stack", "write_above_frame", "*(u32 *)(r10 + 8) = 1 !!\nr0 = 0\nexit", "OutOfBoundsAccess")
case("stack", "write_straddles_frame_pointer", "*(u64 *)(r10 - 4) = 1 !!\nr0 = 0\nexit", "OutOfBoundsAccess",
     note="-4 is not 8-byte aligned; the kernel always enforces stack alignment")
case("stack", "bottom_of_stack", "*(u64 *)(r10 - 512) = 3\nr0 = *(u64 *)(r10 - 512)\nexit")
case("stack", "below_stack", "*(u8 *)(r10 - 513) = 3 !!\nr0 = 0\nexit", "OutOfBoundsAccess")
case("stack", "far_below_stack", "*(u64 *)(r10 - 1024) = 3 !!\nr0 = 0\nexit", "OutOfBoundsAccess")
case("stack", "misaligned_u32", "*(u32 *)(r10 - 6) = 1 !!\nr0 = 0\nexit", "InvalidMemoryAccess")
case("stack", "misaligned_u64_read", "*(u64 *)(r10 - 16) = 1\n*(u64 *)(r10 - 8) = 1\nr0 = *(u64 *)(r10 - 12) !!\nexit", "InvalidMemoryAccess")
case("stack", "byte_at_odd_offset", "*(u8 *)(r10 - 3) = 1\nr0 = *(u8 *)(r10 - 3)\nexit")
case("stack", "u16_pieces_make_u32", "*(u16 *)(r10 - 4) = 1\n*(u16 *)(r10 - 2) = 2\nr0 = *(u32 *)(r10 - 4)\nexit")
case("stack", "through_copy_of_r10", "r2 = r10\nr2 += -8\n*(u64 *)(r2 + 0) = 1\nr0 = *(u64 *)(r10 - 8)\nexit")
case("stack", "through_copy_out_of_frame", "r2 = r10\nr2 += 8\n*(u64 *)(r2 - 8) = 1 !!\nr0 = 0\nexit", "OutOfBoundsAccess")
case("stack", "spill_fill_ctx_pointer", "*(u64 *)(r10 - 8) = r1\nr6 = *(u64 *)(r10 - 8)\nr0 = *(u32 *)(r6 + 0)\nexit")
case("stack", "spill_fill_stack_pointer", "r2 = r10\nr2 += -16\n*(u64 *)(r10 - 8) = r2\nr3 = *(u64 *)(r10 - 8)\n*(u64 *)(r3 + 0) = 4\nr0 = *(u64 *)(r10 - 16)\nexit")
case("stack", "spilled_pointer_partially_overwritten", "*(u64 *)(r10 - 8) = r1\n*(u8 *)(r10 - 8) = 0\nr6 = *(u64 *)(r10 - 8)\nr0 = *(u32 *)(r6 + 0) !!\nexit",
     "InvalidMemoryAccess", note="privileged: overwriting part of a spilled pointer turns the slot into plain data")
case("stack", "narrow_fill_of_pointer", "*(u64 *)(r10 - 8) = r1\nr0 = *(u32 *)(r10 - 8) !!\nexit", "InvalidMemoryAccess")
case("stack", "spill_scalar_fill_narrow", "r1 = 0x12345678\n*(u64 *)(r10 - 8) = r1\nr0 = *(u32 *)(r10 - 8)\nexit")
case("stack", "fill_overwritten_by_scalar", "*(u64 *)(r10 - 8) = r1\nr2 = 5\n*(u64 *)(r10 - 8) = r2\nr6 = *(u64 *)(r10 - 8)\nr0 = *(u32 *)(r6 + 0) !!\nexit", "InvalidMemoryAccess")
case("stack", "init_on_one_path_only", "call 7\nif r0 > 5 goto skip\n*(u64 *)(r10 - 8) = 1\nskip:\nr0 = *(u64 *)(r10 - 8) !!\nexit", "InvalidMemoryAccess", privileged=False, kernel=False)
case("stack", "init_on_both_paths", "call 7\nif r0 > 5 goto other\n*(u64 *)(r10 - 8) = 1\ngoto done\nother:\n*(u64 *)(r10 - 8) = 2\ndone:\nr0 = *(u64 *)(r10 - 8)\nexit")
case("stack", "helper_fills_uninit_buffer", "r1 = r10\nr1 += -16\nr2 = 16\nr3 = 0\ncall 113\nr0 = *(u64 *)(r10 - 8)\nexit")
case("stack", "var_offset_read_unprivileged", "call 7\nr0 &= 8\n*(u64 *)(r10 - 16) = 0\n*(u64 *)(r10 - 8) = 0\nr1 = r10\nr1 += -16\nr1 += r0 !!\nr0 = *(u64 *)(r1 + 0)\nexit",
     "PointerArithmetic", privileged=False, kernel=False, note="unprivileged programs may not add an unknown scalar to a stack pointer")
case("stack", "atomic_add_on_stack", "*(u64 *)(r10 - 8) = 1\nr1 = 2\nlock *(u64 *)(r10 - 8) += r1\nr0 = *(u64 *)(r10 - 8)\nexit")
case("stack", "atomic_on_uninit_stack", "r1 = 2\nlock *(u64 *)(r10 - 8) += r1 !!\nr0 = 0\nexit", "InvalidMemoryAccess", privileged=False, kernel=False)
case("stack", "use_all_512_bytes", "".join(f"*(u64 *)(r10 - {off}) = {off}\n" for off in range(8, 513, 8)) + "r0 = *(u64 *)(r10 - 512)\nexit")

# ================================================================ helpers: prototypes, argument checks, availability
case("helpers", "lookup_ok", LOOKUP + "if r0 == 0 goto out\nr1 = *(u32 *)(r0 + 0)\n" + OUT, maps=ARR)
case("helpers", "lookup_key_uninit", "r2 = r10\nr2 += -4\nld_pseudo r1, 5, 0\ncall 1 !!\nr0 = 0\nexit", "HelperArgument", maps=ARR, privileged=False, kernel=False)
case("helpers", "lookup_key_outside_stack", "*(u16 *)(r10 - 2) = 0\nr2 = r10\nr2 += -2\nld_pseudo r1, 5, 0\ncall 1 !!\nr0 = 0\nexit", "HelperArgument", maps=ARR)
case("helpers", "lookup_map_arg_scalar", "*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4\nr1 = 0\ncall 1 !!\nr0 = 0\nexit", "HelperArgument")
case("helpers", "lookup_key_arg_scalar", "ld_pseudo r1, 5, 0\nr2 = 0\ncall 1 !!\nr0 = 0\nexit", "HelperArgument", maps=ARR)
case("helpers", "lookup_key_from_map_value", LOOKUP + "if r0 == 0 goto out\nr2 = r0\nld_pseudo r1, 5, 0\ncall 1\n" + OUT, maps=ARR)
case("helpers", "lookup_key_is_ctx", "r2 = r1\nld_pseudo r1, 5, 0\ncall 1 !!\nr0 = 0\nexit", "HelperArgument", maps=ARR)
UPD = "*(u32 *)(r10 - 4) = 1\n{val}r2 = r10\nr2 += -4\nr3 = r10\nr3 += {voff}\nld_pseudo r1, 5, 0\nr4 = 0\ncall 2{mark}\nr0 = 0\nexit"
case("helpers", "update_ok", UPD.format(val="*(u64 *)(r10 - 16) = 9\n", voff=-16, mark=""), maps=HASH)
case("helpers", "update_value_uninit", UPD.format(val="", voff=-16, mark=" !!"), "HelperArgument", maps=HASH, privileged=False, kernel=False)
case("helpers", "update_value_half_init", UPD.format(val="*(u32 *)(r10 - 16) = 9\n", voff=-16, mark=" !!"), "HelperArgument", maps=HASH, privileged=False, kernel=False)
case("helpers", "update_value_past_frame", UPD.format(val="", voff=-4, mark=" !!"), "HelperArgument", maps=HASH)
case("helpers", "delete_ok", "*(u32 *)(r10 - 4) = 1\nr2 = r10\nr2 += -4\nld_pseudo r1, 5, 0\ncall 3\nr0 = 0\nexit", maps=HASH)
case("helpers", "delete_on_array_verifies", "*(u32 *)(r10 - 4) = 1\nr2 = r10\nr2 += -4\nld_pseudo r1, 5, 0\ncall 3\nr0 = 0\nexit", maps=ARR,
     note="array deletes fail at run time with -EINVAL; the verifier accepts them")
case("helpers", "unknown_helper", "call 9999 !!\nr0 = 0\nexit", "UnknownHelper")
case("helpers", "helper_zero", "call 0 !!\nr0 = 0\nexit", "UnknownHelper")
case("helpers", "xdp_helper_in_socket_filter", "r2 = 0\ncall 44 !!\nr0 = 0\nexit", "HelperNotAllowed")
case("helpers", "pid_tgid_in_socket_filter", "call 14\nr0 = 0\nexit", note="the current-task helpers are base helpers since Linux 6.x")
case("helpers", "probe_read_in_socket_filter", "r1 = r10\nr1 += -8\nr2 = 8\nr3 = 0\ncall 4 !!\nr0 = 0\nexit", "HelperNotAllowed")
case("helpers", "coarse_clock_in_kprobe", "call 160 !!\nr0 = 0\nexit", "HelperNotAllowed", type="kprobe")
case("helpers", "coarse_clock_in_xdp", "call 160\nr0 = 2\nexit", type="xdp")
case("helpers", "pid_tgid_in_kprobe", "call 14\nr0 = 0\nexit", type="kprobe")
case("helpers", "skb_load_bytes_in_kprobe", "r2 = 0\nr3 = r10\nr3 += -8\nr4 = 8\ncall 26 !!\nr0 = 0\nexit", "HelperNotAllowed", type="kprobe")
case("helpers", "skb_load_bytes_in_socket_filter", "r2 = 0\nr3 = r10\nr3 += -8\nr4 = 8\ncall 26\nr0 = *(u64 *)(r10 - 8)\nexit")
case("helpers", "skb_load_bytes_too_long", "r2 = 0\nr3 = r10\nr3 += -8\nr4 = 16\ncall 26 !!\nr0 = 0\nexit", "HelperArgument")
case("helpers", "skb_load_bytes_ctx_not_ctx", "r1 = r10\nr2 = 0\nr3 = r10\nr3 += -8\nr4 = 8\ncall 26 !!\nr0 = 0\nexit", "HelperArgument")
PRK = "call 7\nr2 = r0\n{mask}r1 = r10\nr1 += -16\nr3 = 0\ncall 113{mark}\nr0 = 0\nexit"
case("helpers", "probe_read_bounded_size", PRK.format(mask="r2 &= 15\n", mark=""))
case("helpers", "probe_read_size_16", PRK.format(mask="if r2 > 16 goto +4\n", mark=""))
case("helpers", "probe_read_size_too_big", PRK.format(mask="r2 &= 31\n", mark=" !!"), "HelperArgument")
case("helpers", "probe_read_unbounded_size", PRK.format(mask="", mark=" !!"), "HelperArgument")
case("helpers", "probe_read_negative_size", "r2 = -1\nr1 = r10\nr1 += -16\nr3 = 0\ncall 113 !!\nr0 = 0\nexit", "HelperArgument")
case("helpers", "probe_read_zero_size", "r2 = 0\nr1 = r10\nr1 += -16\nr3 = 0\ncall 113\nr0 = 0\nexit")
case("helpers", "probe_read_into_ctx", "r2 = 4\nr3 = 0\ncall 113 !!\nr0 = 0\nexit", "HelperArgument")
case("helpers", "probe_read_into_map_value", LOOKUP + "if r0 == 0 goto out\nr1 = r0\nr2 = 16\nr3 = 0\ncall 113\n" + OUT, maps=ARR)
case("helpers", "probe_read_past_map_value", LOOKUP + "if r0 == 0 goto out\nr1 = r0\nr2 = 17\nr3 = 0\ncall 113 !!\n" + OUT, "OutOfBoundsAccess", maps=ARR)
case("helpers", "trace_printk_ok", "*(u32 *)(r10 - 4) = 0x0a6968\nr1 = r10\nr1 += -4\nr2 = 4\ncall 6\nr0 = 0\nexit")
case("helpers", "trace_printk_zero_size", "*(u32 *)(r10 - 4) = 0x0a6968\nr1 = r10\nr1 += -4\nr2 = 0\ncall 6 !!\nr0 = 0\nexit", "HelperArgument")
case("helpers", "trace_printk_uninit_fmt_privileged", "r1 = r10\nr1 += -8\nr2 = 8\ncall 6\nr0 = 0\nexit", note="privileged: uninitialised stack counts as initialised")
RB = "rb ringbuf 0 0 4096"
case("helpers", "ringbuf_output_ok", "*(u64 *)(r10 - 8) = 1\nld_pseudo r1, 5, 0\nr2 = r10\nr2 += -8\nr3 = 8\nr4 = 0\ncall 130\nr0 = 0\nexit", maps=RB)
case("helpers", "ringbuf_output_on_hash", "*(u64 *)(r10 - 8) = 1\nld_pseudo r1, 5, 0\nr2 = r10\nr2 += -8\nr3 = 8\nr4 = 0\ncall 130 !!\nr0 = 0\nexit", "HelperArgument", maps=HASH)
case("helpers", "lookup_on_ringbuf", LOOKUP.replace("call 1", "call 1 !!") + "r0 = 0\nexit", "HelperArgument", maps=RB)
case("helpers", "tail_call_ok", "ld_pseudo r2, 5, 0\nr3 = 0\ncall 12\nr0 = 0\nexit", maps="progs prog_array 4 4 4")
case("helpers", "tail_call_on_array", "ld_pseudo r2, 5, 0\nr3 = 0\ncall 12 !!\nr0 = 0\nexit", "HelperArgument", maps=ARR)
case("helpers", "tail_call_without_ctx", "r1 = 0\nld_pseudo r2, 5, 0\nr3 = 0\ncall 12 !!\nr0 = 0\nexit", "HelperArgument", maps="progs prog_array 4 4 4")
PEO = "*(u64 *)(r10 - 8) = 1\n{r1}ld_pseudo r2, 5, 0\nr3 = 0xffffffff ll\nr4 = r10\nr4 += -8\nr5 = 8\ncall 25{mark}\nr0 = 0\nexit"
case("helpers", "perf_event_output_ok", PEO.format(r1="", mark=""), maps="events perf_event_array 4 4 4")
case("helpers", "perf_event_output_ctx_is_stack", PEO.format(r1="r1 = r10\n", mark=" !!"), "HelperArgument", maps="events perf_event_array 4 4 4")
case("helpers", "perf_event_output_on_array", PEO.format(r1="", mark=" !!"), "HelperArgument", maps=ARR)
Q = "q queue 0 8 16"
case("helpers", "queue_push", "*(u64 *)(r10 - 8) = 5\nld_pseudo r1, 5, 0\nr2 = r10\nr2 += -8\nr3 = 0\ncall 87\nr0 = 0\nexit", maps=Q)
case("helpers", "queue_pop_into_stack", "ld_pseudo r1, 5, 0\nr2 = r10\nr2 += -8\ncall 88\nr0 = *(u64 *)(r10 - 8)\nexit", maps=Q,
     note="pop fills uninitialised memory")
case("helpers", "queue_lookup_not_allowed", "*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4\nld_pseudo r1, 5, 0\ncall 1 !!\nr0 = 0\nexit", "HelperArgument", maps=Q)
case("helpers", "push_on_hash_not_allowed", "*(u64 *)(r10 - 8) = 5\nld_pseudo r1, 5, 0\nr2 = r10\nr2 += -8\nr3 = 0\ncall 87 !!\nr0 = 0\nexit", "HelperArgument", maps=HASH)
case("helpers", "ktime_and_prandom", "call 5\nr6 = r0\ncall 7\nr0 += r6\nexit")
case("helpers", "helper_result_not_pointer", "call 5\nr1 = *(u64 *)(r0 + 0) !!\nr0 = 0\nexit", "InvalidMemoryAccess")
case("helpers", "csum_diff_in_xdp", "*(u32 *)(r10 - 4) = 1\n*(u32 *)(r10 - 8) = 2\nr1 = r10\nr1 += -4\nr2 = 4\nr3 = r10\nr3 += -8\nr4 = 4\nr5 = 0\ncall 28\nr0 = 2\nexit", type="xdp")
case("helpers", "redirect_map_in_xdp", "ld_pseudo r1, 5, 0\nr2 = 0\nr3 = 0\ncall 51\nexit", type="xdp", maps="devs devmap 4 4 4")
case("helpers", "xdp_adjust_head_in_xdp", "r2 = -14\ncall 44\nr0 = 2\nexit", type="xdp")
case("helpers", "xdp_adjust_head_in_tc", "r2 = -14\ncall 44 !!\nr0 = 0\nexit", "HelperNotAllowed", type="sched_cls")
case("helpers", "skb_store_bytes_in_tc", "*(u32 *)(r10 - 4) = 0\nr2 = 0\nr3 = r10\nr3 += -4\nr4 = 4\nr5 = 0\ncall 9\nr0 = 0\nexit", type="sched_cls")
case("helpers", "skb_store_bytes_in_socket_filter", "*(u32 *)(r10 - 4) = 0\nr2 = 0\nr3 = r10\nr3 += -4\nr4 = 4\nr5 = 0\ncall 9 !!\nr0 = 0\nexit", "HelperNotAllowed")
case("helpers", "redirect_in_tc", "r1 = 1\nr2 = 0\ncall 23\nexit", type="sched_cls")
case("helpers", "l3_csum_replace_in_tc", "r2 = 24\nr3 = 0\nr4 = 1\nr5 = 2\ncall 10\nr0 = 0\nexit", type="sched_cls")
case("helpers", "get_current_comm_in_tracepoint", "r1 = r10\nr1 += -16\nr2 = 16\ncall 16\nr0 = 0\nexit", type="tracepoint")
case("helpers", "get_current_comm_too_big", "r1 = r10\nr1 += -16\nr2 = 24\ncall 16 !!\nr0 = 0\nexit", "HelperArgument", type="tracepoint")

# ================================================================ ctx: context access per program type
def ctx(type, name, insn, expect="accept", ret="r0 = 0", **kw):
    case("ctx", f"{type}_{name}", f"{insn} !!\n{ret}\nexit" if expect != "accept" else f"{insn}\n{ret}\nexit", expect, type=type, **kw)
R = lambda size, off: f"r2 = *(u{size} *)(r1 + {off})"
W = lambda size, off: f"r2 = 1\n*(u{size} *)(r1 + {off}) = r2"
BAD = "InvalidContextAccess"
for t in ["socket_filter", "sched_cls", "sched_act", "cgroup_skb", "lwt_in", "lwt_out", "lwt_xmit", "sk_skb"]:
    ctx(t, "read_len", R(32, 0)); ctx(t, "read_len_byte", R(8, 0)); ctx(t, "read_protocol_half", R(16, 18))
    ctx(t, "read_misaligned", R(32, 1), BAD); ctx(t, "read_past_end", R(32, 192), BAD); ctx(t, "read_straddling", R(64, 0), BAD)
    ctx(t, "write_len", W(32, 0), BAD); ctx(t, "read_flow_keys", R(64, 144), BAD)
ctx("socket_filter", "read_cb", R(32, 48)); ctx("socket_filter", "write_cb", W(32, 52)); ctx("socket_filter", "write_cb_u64", W(64, 56))
ctx("socket_filter", "write_cb_byte", W(8, 67)); ctx("socket_filter", "write_cb_past", W(64, 64), BAD)
ctx("socket_filter", "write_mark", W(32, 8), BAD); ctx("socket_filter", "read_data", R(32, 76), BAD); ctx("socket_filter", "read_data_end", R(32, 80), BAD)
ctx("socket_filter", "read_tc_classid", R(32, 72), BAD); ctx("socket_filter", "read_remote_ip4", R(32, 92), BAD)
ctx("socket_filter", "read_sk", R(64, 168)); ctx("socket_filter", "read_sk_u32", R(32, 168), BAD); ctx("socket_filter", "read_hwtstamp", R(64, 184), BAD)
ctx("socket_filter", "read_mark_half", R(16, 10)); ctx("socket_filter", "read_tstamp", R(64, 152), BAD); ctx("socket_filter", "read_gso_size", R(32, 176))
ctx("socket_filter", "read_padding", R(8, 181), BAD)
ctx("socket_filter", "modified_ctx_pointer", "r1 += 4\nr2 = *(u32 *)(r1 + 0)", BAD)
ctx("socket_filter", "variable_ctx_offset", "r6 = r1\ncall 7\nr0 &= 4\nr6 += r0\nr2 = *(u32 *)(r6 + 0)", BAD)
ctx("socket_filter", "store_imm_to_cb", "*(u32 *)(r1 + 48) = 5")
ctx("socket_filter", "atomic_on_ctx", "r2 = 1\nlock *(u32 *)(r1 + 48) += r2", "InvalidMemoryAccess")
for t in ["sched_cls", "sched_act"]:
    ctx(t, "read_data", R(32, 76)); ctx(t, "read_data_end", R(32, 80)); ctx(t, "read_data_meta", R(32, 140))
    ctx(t, "read_data_half", R(16, 76), BAD); ctx(t, "write_data", W(32, 76), BAD)
    for f, off in [("mark", 8), ("priority", 32), ("tc_index", 44), ("tc_classid", 72), ("queue_mapping", 12)]:
        ctx(t, f"write_{f}", W(32, off))
    ctx(t, "write_mark_half", W(16, 8), BAD); ctx(t, "read_family", R(32, 88), BAD)
    ctx(t, "read_tstamp", R(64, 152)); ctx(t, "write_tstamp", W(64, 152)); ctx(t, "read_tstamp_type", R(8, 180))
    ctx(t, "write_hash", W(32, 68), BAD); ctx(t, "read_wire_len", R(32, 160))
ctx("cgroup_skb", "read_data", R(32, 76)); ctx("cgroup_skb", "read_data_end", R(32, 80)); ctx("cgroup_skb", "read_data_meta", R(32, 140), BAD)
ctx("cgroup_skb", "write_mark", W(32, 8)); ctx("cgroup_skb", "write_priority", W(32, 32)); ctx("cgroup_skb", "write_tc_index", W(32, 44), BAD)
ctx("cgroup_skb", "read_tc_classid", R(32, 72), BAD); ctx("cgroup_skb", "read_family", R(32, 88)); ctx("cgroup_skb", "read_remote_port", R(32, 132))
ctx("cgroup_skb", "read_remote_ip6", R(32, 104)); ctx("cgroup_skb", "read_remote_ip4_half", R(16, 92), BAD)
ctx("cgroup_skb", "read_data_unprivileged", R(32, 76), BAD, privileged=False, kernel=False)
for t in ["lwt_in", "lwt_out", "lwt_xmit"]:
    ctx(t, "read_data", R(32, 76)); ctx(t, "write_mark", W(32, 8)); ctx(t, "read_tc_classid", R(32, 72), BAD)
    ctx(t, "read_family", R(32, 88), BAD); ctx(t, "write_tc_index", W(32, 44), BAD); ctx(t, "read_data_meta", R(32, 140), BAD)
ctx("sk_skb", "read_mark", R(32, 8), BAD); ctx("sk_skb", "write_priority", W(32, 32)); ctx("sk_skb", "write_tc_index", W(32, 44))
ctx("sk_skb", "write_cb", W(32, 48), BAD); ctx("sk_skb", "read_family", R(32, 88)); ctx("sk_skb", "read_local_ip6", R(32, 124))
ctx("sk_skb", "read_remote_ip4_half", R(16, 92), BAD); ctx("sk_skb", "read_data", R(32, 76)); ctx("sk_skb", "read_tstamp", R(64, 152), BAD)
X = "r0 = 2"
ctx("xdp", "read_data", R(32, 0), ret=X); ctx("xdp", "read_data_end", R(32, 4), ret=X); ctx("xdp", "read_data_meta", R(32, 8), ret=X)
ctx("xdp", "read_ingress_ifindex", R(32, 12), ret=X); ctx("xdp", "read_rx_queue_index", R(32, 16), ret=X)
ctx("xdp", "read_data_half", R(16, 0), BAD, ret=X); ctx("xdp", "read_ifindex_byte", R(8, 12), BAD, ret=X)
ctx("xdp", "read_data_u64", R(64, 0), BAD, ret=X); ctx("xdp", "write_data", W(32, 0), BAD, ret=X)
ctx("xdp", "write_rx_queue_index", W(32, 16), BAD, ret=X); ctx("xdp", "read_past_end", R(32, 24), BAD, ret=X)
ctx("xdp", "read_misaligned", R(32, 2), BAD, ret=X); ctx("xdp", "read_negative", "r2 = *(u32 *)(r1 - 4)", BAD, ret=X)
for name, ins, exp in [("read_family", R(32, 4), "accept"), ("read_family_byte", R(8, 4), "accept"), ("write_mark", W(32, 16), "accept"),
                       ("write_priority", W(32, 20), "accept"), ("write_bound_dev_if", W(32, 0), "accept"),
                       ("write_family", W(32, 4), BAD), ("read_bound_dev_if_half", R(16, 0), BAD), ("read_dst_port", R(16, 48), "accept"),
                       ("read_src_ip6", R(32, 32), BAD), ("read_src_port", R(32, 44), BAD), ("read_dst_ip6", R(32, 60), "accept"), ("read_state", R(32, 72), "accept"), ("read_past_end", R(32, 80), BAD),
                       ("write_mark_half", W(16, 16), BAD), ("read_padding", R(16, 50), BAD)]:
    ctx("cgroup_sock", name, ins, exp)
for name, ins, exp in [("read_user_ip4", R(32, 4), "accept"), ("write_user_ip4", W(32, 4), "accept"), ("write_user_port", W(32, 24), "accept"),
                       ("read_user_ip4_byte", R(8, 7), "accept"), ("read_user_family", R(32, 0), "accept"), ("write_user_family", W(32, 0), BAD),
                       ("write_user_ip4_half", W(16, 4), BAD), ("read_family_half", R(16, 28), BAD), ("read_sk", R(64, 64), "accept"),
                       ("write_sk", W(64, 64), BAD), ("read_protocol", R(32, 36), "accept"), ("read_past_end", R(32, 72), BAD)]:
    ctx("cgroup_sock_addr", name, ins, exp)
for name, ins, exp in [("read_op", R(32, 0), "accept"), ("write_reply", W(32, 4), "accept"), ("write_op", W(32, 0), BAD),
                       ("read_bytes_received", R(64, 168), "accept"), ("read_bytes_received_u32", R(32, 168), BAD),
                       ("read_sk", R(64, 184), "accept"), ("write_sk_txhash", W(32, 164), "accept"), ("read_skb_tcp_flags_byte", R(8, 212), "accept"),
                       ("read_op_half", R(16, 0), BAD), ("read_skb_data", R(64, 192), "accept"), ("write_snd_cwnd", W(32, 76), BAD),
                       ("read_past_end", R(32, 216), BAD), ("read_remote_ip6", R(32, 36), "accept")]:
    ctx("sock_ops", name, ins, exp)
for name, ins, exp in [("read_data", R(64, 0), "accept"), ("read_data_u32", R(32, 0), BAD), ("read_data_end", R(64, 8), "accept"),
                       ("write_size", W(32, 68), BAD), ("read_family", R(32, 16), "accept"), ("read_sk", R(64, 72), "accept"),
                       ("read_family_half", R(16, 16), BAD), ("read_size", R(32, 68), "accept"), ("read_past_end", R(32, 80), BAD)]:
    ctx("sk_msg", name, ins, exp)
for name, ins, exp in [("read_rdi", R(64, 112), "accept"), ("read_rdi_low", R(32, 112), "accept"), ("read_rdi_high", R(32, 116), "accept"),
                       ("read_rax_byte", R(8, 83), "accept"), ("write_rdi", W(64, 112), BAD), ("read_past_end", R(64, 168), BAD),
                       ("read_misaligned", R(64, 4), BAD), ("read_ss", R(64, 160), "accept")]:
    ctx("kprobe", name, ins, exp)
for name, ins, exp in [("read_first_field", R(64, 8), "accept"), ("read_common_header", R(64, 0), BAD), ("write_field", W(64, 8), BAD),
                       ("read_last_u64", R(64, 8184), "accept"), ("read_past_limit", R(32, 8192), BAD), ("read_at_4096", R(64, 4096), "accept"), ("read_u32", R(32, 12), "accept")]:
    ctx("tracepoint", name, ins, exp)
for name, ins, exp in [("read_arg0", R(64, 0), "accept"), ("read_arg11", R(64, 88), "accept"), ("read_arg12", R(64, 96), BAD),
                       ("write_arg0", W(64, 0), BAD), ("read_arg1_low", R(32, 8), "accept")]:
    ctx("raw_tracepoint", name, ins, exp)
for name, ins, exp in [("read_sample_period", R(64, 168), "accept"), ("read_addr_low", R(32, 176), "accept"), ("read_rip", R(64, 128), "accept"),
                       ("read_rip_low", R(32, 128), BAD), ("write_addr", W(64, 176), BAD), ("read_past_end", R(64, 184), BAD)]:
    ctx("perf_event", name, ins, exp)
# The raw memory type's context is a plain 4096-byte buffer (indexable like any memory), so overruns are bounds errors.
RAW_BAD = "OutOfBoundsAccess"
for name, ins, exp in [("read_first", R(64, 0), "accept"), ("write_last_byte", W(8, 4095), "accept"), ("read_past_end", R(8, 4096), RAW_BAD),
                       ("read_straddling_end", R(64, 4092), RAW_BAD), ("write_middle", W(32, 2048), "accept")]:
    ctx("raw", name, ins, exp, kernel=False)

# ================================================================ packet: direct packet access
def xdp(name, body, expect="accept", type="xdp", data=0, end=4, ret="r0 = 2", **kw):
    size = 64 if type == "sk_msg" else 32
    pre = f"r2 = *(u{size} *)(r1 + {data})\nr3 = *(u{size} *)(r1 + {end})\n"
    case("packet", name, pre + body + f"\nout:\n{ret}\nexit", expect, type=type, **kw)
CHK = "r4 = r2\nr4 += 14\nif r4 > r3 goto out\n"
PU = "PacketAccessUnchecked"
xdp("checked_read", CHK + "r0 = *(u8 *)(r2 + 13)")
xdp("checked_read_u16", CHK + "r0 = *(u16 *)(r2 + 12)")
xdp("checked_read_u64", CHK + "r0 = *(u64 *)(r2 + 6)")
xdp("read_past_check", CHK + "r0 = *(u8 *)(r2 + 14) !!", PU)
xdp("u16_straddles_check", CHK + "r0 = *(u16 *)(r2 + 13) !!", PU)
xdp("unchecked_read", "r0 = *(u8 *)(r2 + 0) !!", PU)
xdp("negative_offset", CHK + "r0 = *(u8 *)(r2 - 1) !!", "OutOfBoundsAccess")
xdp("check_wrong_direction", "r4 = r2\nr4 += 14\nif r4 < r3 goto out\nr0 = *(u8 *)(r2 + 0) !!", PU)
xdp("check_with_jle", "r4 = r2\nr4 += 14\nif r4 <= r3 goto ok\ngoto out\nok:\nr0 = *(u8 *)(r2 + 13)")
xdp("end_on_left", "r4 = r2\nr4 += 14\nif r3 < r4 goto out\nr0 = *(u8 *)(r2 + 13)")
xdp("end_on_left_jge", "r4 = r2\nr4 += 14\nif r3 >= r4 goto ok\ngoto out\nok:\nr0 = *(u32 *)(r2 + 10)")
xdp("check_on_copy_covers_original", "r5 = r2\n" + CHK + "r0 = *(u8 *)(r5 + 13)")
xdp("write_checked", CHK + "*(u8 *)(r2 + 0) = 1")
xdp("write_register_checked", CHK + "r5 = 7\n*(u32 *)(r2 + 4) = r5")
xdp("write_unchecked", "*(u8 *)(r2 + 0) = 1 !!", PU)
xdp("var_offset_rechecked", CHK + "r5 = *(u8 *)(r2 + 0)\nr5 &= 7\nr2 += r5\nr6 = r2\nr6 += 1\nif r6 > r3 goto out\nr0 = *(u8 *)(r2 + 0)")
xdp("var_offset_not_rechecked", CHK + "r5 = *(u8 *)(r2 + 0)\nr5 &= 7\nr2 += r5\nr0 = *(u8 *)(r2 + 0) !!", PU)
xdp("var_offset_unbounded", CHK + "r5 = *(u32 *)(r2 + 0)\nr2 += r5\nr6 = r2\nr6 += 1\nif r6 > r3 goto out\nr0 = *(u8 *)(r2 + 0) !!", PU,
    note="an offset of up to 2^32 is beyond MAX_PACKET_OFF, so the comparison proves nothing")
xdp("arith_on_packet_end", "r3 += 1 !!", "PointerArithmetic")
xdp("deref_packet_end", "r0 = *(u8 *)(r3 + 0) !!", "InvalidMemoryAccess")
xdp("meta_checked", "r4 = *(u32 *)(r1 + 8)\nr5 = r4\nr5 += 4\nif r5 > r2 goto out\nr0 = *(u32 *)(r4 + 0)")
xdp("meta_unchecked", "r4 = *(u32 *)(r1 + 8)\nr0 = *(u32 *)(r4 + 0) !!", PU)
xdp("meta_checked_against_end_only", "r4 = *(u32 *)(r1 + 8)\nr5 = r4\nr5 += 4\nif r5 > r3 goto out\nr0 = *(u32 *)(r4 + 0) !!", PU,
    note="metadata is bounded by data, not data_end")
xdp("two_checks_largest_wins", CHK + "r4 = r2\nr4 += 34\nif r4 > r3 goto out\nr0 = *(u32 *)(r2 + 30)")
xdp("packet_ptr_to_helper", CHK + "r1 = r2\nr3 = r2\nr2 = 14\nr4 = 14\nr5 = 0\ncall 28\nr0 = 2\nexit")
xdp("packet_ptr_to_helper_too_long", CHK + "r1 = r2\nr3 = r2\nr2 = 15\nr4 = 4\nr5 = 0\ncall 28 !!", PU)
xdp("adjust_head_invalidates_packet", CHK + "r6 = r2\nr2 = 0\ncall 44\nr0 = *(u8 *)(r6 + 0) !!", "InvalidMemoryAccess",
    note="helpers that change the packet invalidate every packet pointer")
xdp("stack_spill_packet_pointer", CHK + "*(u64 *)(r10 - 8) = r2\nr5 = *(u64 *)(r10 - 8)\nr0 = *(u8 *)(r5 + 13)")
for t, d, e, ret in [("sched_cls", 76, 80, "r0 = 0"), ("sched_act", 76, 80, "r0 = 0"), ("lwt_xmit", 76, 80, "r0 = 0"), ("sk_skb", 76, 80, "r0 = 0"),
                     ("sk_msg", 0, 8, "r0 = 1")]:
    xdp(f"{t}_read", CHK + "r0 = *(u8 *)(r2 + 13)", type=t, data=d, end=e, ret=ret)
    xdp(f"{t}_write", CHK + "*(u8 *)(r2 + 0) = 1", type=t, data=d, end=e, ret=ret)
    xdp(f"{t}_unchecked", "r0 = *(u8 *)(r2 + 0) !!", PU, type=t, data=d, end=e, ret=ret)
for t in ["cgroup_skb", "lwt_in", "lwt_out"]:
    xdp(f"{t}_read", CHK + "r0 = *(u8 *)(r2 + 13)", type=t, data=76, end=80, ret="r0 = 1")
    xdp(f"{t}_write_not_allowed", CHK + "*(u8 *)(r2 + 0) = 1 !!", "InvalidMemoryAccess", type=t, data=76, end=80, ret="r0 = 1")
case("packet", "sock_ops_read", "r2 = *(u64 *)(r1 + 192)\nr3 = *(u64 *)(r1 + 200)\n" + CHK + "r0 = *(u8 *)(r2 + 0)\nout:\nr0 = 1\nexit", type="sock_ops")
case("packet", "sock_ops_write_not_allowed", "r2 = *(u64 *)(r1 + 192)\nr3 = *(u64 *)(r1 + 200)\n" + CHK + "*(u8 *)(r2 + 0) = 1 !!\nout:\nr0 = 1\nexit",
     "InvalidMemoryAccess", type="sock_ops")
case("packet", "ld_abs_socket_filter", "r6 = r1\nr0 = *(u16 *)skb[12]\nexit")
case("packet", "ld_ind_socket_filter", "r6 = r1\nr7 = 2\nr0 = *(u8 *)skb[r7 + 12]\nexit")
case("packet", "ld_abs_tc", "r6 = r1\nr0 = *(u32 *)skb[26]\nr0 = 0\nexit", type="sched_cls")
case("packet", "ld_abs_without_skb_in_r6", "r6 = 0\nr0 = *(u16 *)skb[12] !!\nexit", BAD)
case("packet", "ld_abs_in_xdp", "r6 = r1\nr0 = *(u16 *)skb[12] !!\nr0 = 2\nexit", BAD, type="xdp")
case("packet", "ld_abs_clobbers_r1", "r6 = r1\nr0 = *(u16 *)skb[12]\nr0 = r1 !!\nexit", "UninitializedRegister")

# ================================================================ calls: bpf-to-bpf calls, callbacks
case("calls", "simple_call", "call f\nexit\nf:\nr0 = 1\nexit")
case("calls", "args_passed", "r1 = 4\nr2 = 5\ncall f\nexit\nf:\nr0 = r1\nr0 += r2\nexit")
case("calls", "callee_reads_unpassed_arg", "r1 = 4\ncall f\nexit\nf:\nr0 = r2 !!\nexit", "UninitializedRegister")
case("calls", "callee_reads_caller_r6", "r6 = 1\ncall f\nexit\nf:\nr0 = r6 !!\nexit", "UninitializedRegister")
case("calls", "caller_r6_preserved", "r6 = 5\ncall f\nr0 = r6\nexit\nf:\nr6 = 1\nr0 = r6\nexit")
case("calls", "caller_r1_clobbered", "r1 = 5\ncall f\nr0 = r1 !!\nexit\nf:\nr0 = 0\nexit", "UninitializedRegister")
case("calls", "callee_returns_nothing", "call f\nexit !!\nf:\nexit", "UninitializedRegister", note="Linux checks R0 when the main program exits")
case("calls", "callee_writes_caller_stack", "r1 = r10\nr1 += -8\ncall f\nr0 = *(u64 *)(r10 - 8)\nexit\nf:\n*(u64 *)(r1 + 0) = 7\nr0 = 0\nexit")
case("calls", "callee_reads_uninit_caller_stack", "r1 = r10\nr1 += -8\ncall f\nexit\nf:\nr0 = *(u64 *)(r1 + 0)\nexit", note="privileged: uninitialised stack reads are allowed")
case("calls", "callee_returns_own_stack", "call f\nr0 = 0\nexit\nf:\nr0 = r10\nr0 += -8 \nexit !!", "InvalidReturnValue")
case("calls", "callee_has_own_frame", "*(u64 *)(r10 - 8) = 1\ncall f\nr0 = *(u64 *)(r10 - 8)\nexit\nf:\n*(u64 *)(r10 - 8) = 2\nr0 = *(u64 *)(r10 - 8)\nexit")
case("calls", "callee_frame_too_deep", "*(u64 *)(r10 - 8) = 1\ncall f\nr0 = 0\nexit\nf:\n*(u64 *)(r10 - 520) = 2 !!\nr0 = 0\nexit", "OutOfBoundsAccess")
case("calls", "ctx_passed_to_callee", "call f\nexit\nf:\nr0 = *(u32 *)(r1 + 0)\nexit")
case("calls", "map_value_passed_to_callee", LOOKUP + "if r0 == 0 goto out\nr1 = r0\ncall f\n" + OUT + "f:\nr0 = *(u64 *)(r1 + 8)\nexit", maps=ARR)
case("calls", "map_value_oob_in_callee", LOOKUP + "if r0 == 0 goto out\nr1 = r0\ncall f\n" + OUT + "f:\nr0 = *(u64 *)(r1 + 12) !!\nexit", "OutOfBoundsAccess", maps=ARR)
case("calls", "called_twice", "call f\nr6 = r0\ncall f\nr0 += r6\nexit\nf:\nr0 = 2\nexit")
case("calls", "direct_recursion", "call f\nexit\nf:\ncall f\nexit", "Recursion", note="Linux reports this as a call stack of 9 frames at instruction 2")
case("calls", "mutual_recursion", "call f\nexit\nf:\ncall g\nexit\ng:\ncall f\nexit", "Recursion", note="Linux reports this as a call stack of 9 frames at instruction 2")
def chain(n):
    s = "call f1\nexit\n"
    for i in range(1, n + 1):
        s += f"f{i}:\n" + (f"call f{i + 1}\n" if i < n else "r0 = 0\n") + "exit\n"
    return s
case("calls", "depth_8_frames", chain(7))
case("calls", "depth_9_frames", chain(8), "CallDepth")
case("calls", "stack_512_over_two_frames", "*(u64 *)(r10 - 256) = 1\ncall f\nr0 = 0\nexit\nf:\n*(u64 *)(r10 - 256) = 1\nr0 = 0\nexit")
case("calls", "stack_too_large_over_two_frames", "*(u64 *)(r10 - 256) = 1\ncall f\nr0 = 0\nexit\nf:\n*(u64 *)(r10 - 288) = 1\nr0 = 0\nexit", "StackTooLarge")
case("calls", "stack_too_large_deep_chain", "*(u64 *)(r10 - 200) = 1\ncall f\nr0 = 0\nexit\nf:\n*(u64 *)(r10 - 200) = 1\ncall g\nr0 = 0\nexit\ng:\n*(u64 *)(r10 - 200) = 1\nr0 = 0\nexit",
     "StackTooLarge", note="frames round up to 32 bytes: 3 x 224 = 672 > 512")
case("calls", "callee_falls_off_end", "call f\nexit\nf:\nr0 = 1\ng:\nr0 = 2\nexit\nh:\ncall g\nexit", "FallOffEnd",
     note="f's last instruction is followed by g only because g is called elsewhere")
case("calls", "jump_into_other_function", "if r1 == 0 goto inside !!\ncall f\nexit\nf:\nr0 = 1\ninside:\nr0 = 2\nexit", "JumpOutOfRange")
case("calls", "jump_out_of_callee", "call f\nback:\nexit\nf:\nr0 = 1\ngoto back !!", "JumpOutOfRange")
case("calls", "unreachable_function", "r0 = 0\nexit\nf:\nr0 = 1 !!\nexit", "UnreachableInstruction")
LOOPCB = "r1 = {n}\nld_pseudo r2, 4, 6\nr3 = 0\nr4 = 0\ncall 181\nr0 = 0\nexit\ncb:\n{cb}\nexit"
case("calls", "bpf_loop_callback", LOOPCB.format(n=10, cb="r0 = 0"), kernel=False)
case("calls", "bpf_loop_callback_returns_2", LOOPCB.format(n=10, cb="r0 = 2\nexit !!").rsplit("\nexit", 1)[0], "InvalidReturnValue", kernel=False)
case("calls", "bpf_loop_callback_uses_index", LOOPCB.format(n=10, cb="r0 = r1\nr0 &= 1"), kernel=False)
case("calls", "bpf_loop_callback_reads_r3", LOOPCB.format(n=10, cb="r0 = r3 !!"), "UninitializedRegister", kernel=False)
case("calls", "bpf_loop_callback_ctx_on_stack", "*(u64 *)(r10 - 8) = 0\nr1 = 10\nld_pseudo r2, 4, 7\nr3 = r10\nr3 += -8\nr4 = 0\ncall 181\nr0 = *(u64 *)(r10 - 8)\nexit\ncb:\nr3 = *(u64 *)(r2 + 0)\nr3 += 1\n*(u64 *)(r2 + 0) = r3\nr0 = 0\nexit", kernel=False)
case("calls", "bpf_loop_callback_ctx_oob", "*(u64 *)(r10 - 8) = 0\nr1 = 10\nld_pseudo r2, 4, 7\nr3 = r10\nr3 += -8\nr4 = 0\ncall 181\nr0 = *(u64 *)(r10 - 8)\nexit\ncb:\nr3 = *(u64 *)(r2 + 8) !!\nr0 = 0\nexit",
     "OutOfBoundsAccess", kernel=False)
case("calls", "bpf_loop_callback_not_function", "r1 = 10\nr2 = 0\nr3 = 0\nr4 = 0\ncall 181 !!\nr0 = 0\nexit", "HelperArgument", kernel=False)
case("calls", "for_each_map_elem", "ld_pseudo r1, 5, 0\nld_pseudo r2, 4, 6\nr3 = 0\nr4 = 0\ncall 164\nr0 = 0\nexit\ncb:\nr0 = *(u64 *)(r3 + 8)\nr0 = 0\nexit", maps=ARR, kernel=False)
case("calls", "for_each_map_elem_value_oob", "ld_pseudo r1, 5, 0\nld_pseudo r2, 4, 6\nr3 = 0\nr4 = 0\ncall 164\nr0 = 0\nexit\ncb:\nr0 = *(u64 *)(r3 + 16) !!\nr0 = 0\nexit", "OutOfBoundsAccess", maps=ARR, kernel=False)
case("calls", "callee_bounds_checked_in_caller", LOOKUP + "if r0 == 0 goto out\nr6 = r0\ncall idx\nif r0 > 8 goto out\nr6 += r0\nr0 = *(u64 *)(r6 + 0)\n" + OUT + "idx:\ncall 7\nr0 &= 15\nexit", maps=ARR)
case("calls", "callee_result_unbounded", LOOKUP + "if r0 == 0 goto out\nr6 = r0\ncall idx\nr0 &= 15\nr6 += r0\nr0 = *(u64 *)(r6 + 0) !!\n" + OUT + "idx:\ncall 7\nexit", "OutOfBoundsAccess", maps=ARR)

# ================================================================ loops
case("loops", "bounded_loop", "r1 = 0\nl:\nr1 += 1\nif r1 < 10 goto l\nr0 = 0\nexit")
case("loops", "bounded_loop_1000", "r1 = 0\nr0 = 0\nl:\nr0 += r1\nr1 += 1\nif r1 < 1000 goto l\nexit")
case("loops", "bounded_loop_jmp32", "w1 = 0\nl:\nw1 += 1\nif w1 < 5 goto l\nr0 = 0\nexit")
case("loops", "countdown_loop", "r1 = 20\nl:\nr1 += -1\nif r1 != 0 goto l\nr0 = r1\nexit")
case("loops", "self_jump", "r0 = 0\nl:\ngoto l", "InfiniteLoop")
case("loops", "loop_without_progress", "r1 = 0\nl:\nif r1 < 10 goto l\nr0 = 0\nexit", "InfiniteLoop")
case("loops", "loop_on_unknown", "call 7\nr1 = r0\nl:\nr1 += 1\nif r1 != 0 goto l\nr0 = 0\nexit", "InfiniteLoop")
case("loops", "too_many_iterations", "r0 = 0\nr1 = 0\nouter:\nr2 = 0\ninner:\nr0 += 1\nr2 += 1\nif r2 < 1000 goto inner\nr1 += 1\nif r1 < 1000 goto outer\nexit", "TooComplex")
case("loops", "bounded_loop_unprivileged", "r1 = 0\nl:\nr1 += 1\nif r1 < 10 goto l\nr0 = 0\nexit", "InfiniteLoop", privileged=False, kernel=False,
     note="unprivileged programs may not have back-edges at all")
case("loops", "walk_map_value", LOOKUP + "if r0 == 0 goto out\nr6 = r0\nr7 = 0\nl:\nr1 = r6\nr1 += r7\nr2 = *(u8 *)(r1 + 0)\nr7 += 1\nif r7 < 16 goto l\n" + OUT, maps=ARR)
case("loops", "walk_map_value_one_too_far", LOOKUP + "if r0 == 0 goto out\nr6 = r0\nr7 = 0\nl:\nr1 = r6\nr1 += r7\nr2 = *(u8 *)(r1 + 0) !!\nr7 += 1\nif r7 < 17 goto l\n" + OUT, "OutOfBoundsAccess", maps=ARR)
case("loops", "walk_stack_buffer", "".join(f"*(u64 *)(r10 - {o}) = 0\n" for o in (8, 16, 24, 32)) + "r0 = 0\nr1 = 0\nl:\nr2 = r10\nr2 += -32\nr2 += r1\nr3 = *(u8 *)(r2 + 0)\nr0 += r3\nr1 += 1\nif r1 < 32 goto l\nexit")
case("loops", "loop_with_helper_call", "r6 = 0\nl:\ncall 7\nr6 += 1\nif r6 < 8 goto l\nr0 = 0\nexit")
case("loops", "bpf_loop_many_iterations", LOOPCB.format(n=1000000, cb="r0 = 0"), note="bpf_loop verifies the callback once, whatever the count", kernel=False)
case("loops", "backward_goto_before_start", "goto -5 !!\nr0 = 0\nexit", "decode:TargetOutOfRange")
case("loops", "loop_exit_by_break", "r1 = 0\nl:\nr1 += 1\nif r1 == 7 goto done\ngoto l\ndone:\nr0 = r1\nexit")

# ================================================================ leaks: what unprivileged programs may not do
def un(name, body, expect="accept", **kw):
    case("leaks", name, body, expect, privileged=False, kernel=False, **kw)
PL = "PointerLeak"
un("return_ctx_pointer", "r0 = r1\nexit !!", PL)
case("leaks", "return_ctx_pointer_privileged", "r0 = r1\nexit")
un("return_stack_pointer", "r0 = r10\nexit !!", PL)
un("return_map_pointer", "ld_pseudo r0, 5, 0\nexit !!", PL, maps=ARR)
un("return_scalar", "call 7\nexit")
un("store_pointer_in_map", LOOKUP + "if r0 == 0 goto out\n*(u64 *)(r0 + 0) = r10 !!\n" + OUT, PL, maps=ARR)
case("leaks", "store_pointer_in_map_privileged", LOOKUP + "if r0 == 0 goto out\n*(u64 *)(r0 + 0) = r10\n" + OUT, maps=ARR)
un("store_scalar_in_map", LOOKUP + "if r0 == 0 goto out\nr1 = 5\n*(u64 *)(r0 + 0) = r1\n" + OUT, maps=ARR)
un("pointer_comparison", "r0 = 0\nif r1 == r10 goto l !!\nl:\nexit", "PointerComparison")
case("leaks", "pointer_comparison_privileged", "r0 = 0\nif r1 == r10 goto l\nl:\nexit")
un("pointer_compare_with_imm", "r0 = 0\nif r1 > 100 goto l !!\nl:\nexit", "PointerComparison")
un("null_check_is_allowed", LOOKUP + "if r0 == 0 goto out\nr1 = *(u64 *)(r0 + 0)\n" + OUT, maps=ARR)
un("pointer_to_anything_arg", "*(u32 *)(r10 - 4) = 1\n*(u64 *)(r10 - 16) = 1\nr2 = r10\nr2 += -4\nr3 = r10\nr3 += -16\nld_pseudo r1, 5, 0\nr4 = r10\ncall 2 !!\nr0 = 0\nexit", PL, maps=HASH)
un("pointer_minus_pointer", "r0 = r10\nr0 -= r1 !!\nr0 = 0\nexit", "PointerArithmetic")
un("spilled_pointer_partial_overwrite", "*(u64 *)(r10 - 8) = r1\n*(u8 *)(r10 - 8) = 0 !!\nr0 = 0\nexit", PL)
un("trace_printk_not_allowed", "*(u32 *)(r10 - 4) = 0x0a6968\nr1 = r10\nr1 += -4\nr2 = 4\ncall 6 !!\nr0 = 0\nexit", "HelperNotAllowed")
un("probe_read_not_allowed", "r1 = r10\nr1 += -8\nr2 = 8\nr3 = 0\ncall 113 !!\nr0 = 0\nexit", "HelperNotAllowed")
un("lookup_allowed", LOOKUP + "r0 = 0\nexit", maps=ARR)
un("filled_pointer_returned", "*(u64 *)(r10 - 8) = r1\nr0 = *(u64 *)(r10 - 8)\nexit !!", PL)
un("mov32_of_pointer", "w0 = w1 !!\nexit", PL)
un("pointer_in_ringbuf_output", "*(u64 *)(r10 - 8) = r1\nld_pseudo r1, 5, 0\nr2 = r10\nr2 += -8\nr3 = 8\nr4 = 0\ncall 130 !!\nr0 = 0\nexit", PL, maps=RB)
un("map_value_pointer_arith_known", LOOKUP + "if r0 == 0 goto out\nr0 += 8\nr1 = *(u64 *)(r0 + 0)\n" + OUT, maps=ARR)
un("ctx_read_allowed", "r0 = *(u32 *)(r1 + 0)\nexit")

# ================================================================ refs: acquired references and locks
RES = "ld_pseudo r1, 5, 0\nr2 = 8\nr3 = 0\ncall 131\n"
def rb(name, body, expect="accept", **kw):
    case("refs", name, RES + body, expect, maps=RB, **kw)
RL = "ReferenceLeak"
rb("reserve_submit", "if r0 == 0 goto out\n*(u64 *)(r0 + 0) = 1\nr1 = r0\nr2 = 0\ncall 132\nout:\nr0 = 0\nexit")
rb("reserve_discard", "if r0 == 0 goto out\nr1 = r0\nr2 = 0\ncall 133\nout:\nr0 = 0\nexit")
rb("reserve_never_released", "if r0 == 0 goto out\n*(u64 *)(r0 + 0) = 1\nout:\nr0 = 0\nexit !!", RL)
rb("reserve_result_dropped", "r0 = 0\nexit !!", RL)
rb("released_on_one_path", "if r0 == 0 goto out\nr6 = r0\ncall 7\nif r0 > 5 goto skip\nr1 = r6\nr2 = 0\ncall 132\nskip:\nout:\nr0 = 0\nexit !!", RL)
rb("released_on_both_paths", "if r0 == 0 goto out\nr6 = r0\ncall 7\nr1 = r6\nr2 = 0\nif r0 > 5 goto other\ncall 132\ngoto out\nother:\ncall 133\nout:\nr0 = 0\nexit")
rb("submit_twice", "if r0 == 0 goto out\nr6 = r0\nr1 = r0\nr2 = 0\ncall 132\nr1 = r6\nr2 = 0\ncall 132 !!\nout:\nr0 = 0\nexit", "HelperArgument")
rb("write_after_submit", "if r0 == 0 goto out\nr6 = r0\nr1 = r0\nr2 = 0\ncall 132\n*(u64 *)(r6 + 0) = 1 !!\nout:\nr0 = 0\nexit", "InvalidMemoryAccess")
rb("write_past_reservation", "if r0 == 0 goto out\n*(u64 *)(r0 + 8) = 1 !!\nr1 = r0\nr2 = 0\ncall 132\nout:\nr0 = 0\nexit", "OutOfBoundsAccess")
rb("write_without_null_check", "*(u64 *)(r0 + 0) = 1 !!\nr1 = r0\nr2 = 0\ncall 132\nr0 = 0\nexit", "NullCheckRequired")
rb("submit_without_null_check", "r1 = r0\nr2 = 0\ncall 132 !!\nr0 = 0\nexit", "NullCheckRequired")
rb("pass_reservation_to_helper", "if r0 == 0 goto out\nr6 = r0\nr1 = r0\nr2 = 8\nr3 = 0\ncall 113\nr1 = r6\nr2 = 0\ncall 132\nout:\nr0 = 0\nexit")
rb("reservation_kept_in_callee_saved", "if r0 == 0 goto out\nr6 = r0\ncall 5\n*(u64 *)(r6 + 0) = r0\nr1 = r6\nr2 = 0\ncall 132\nout:\nr0 = 0\nexit")
rb("spilled_reservation", "if r0 == 0 goto out\n*(u64 *)(r10 - 8) = r0\nr1 = *(u64 *)(r10 - 8)\nr2 = 0\ncall 132\nout:\nr0 = 0\nexit")
case("refs", "reserve_unknown_size", "call 7\nr2 = r0\nld_pseudo r1, 5, 0\nr3 = 0\ncall 131 !!\nr0 = 0\nexit", "HelperArgument", maps=RB)
case("refs", "submit_stack_pointer", "r1 = r10\nr1 += -8\nr2 = 0\ncall 132 !!\nr0 = 0\nexit", "HelperArgument")
case("refs", "reserve_on_array", RES.replace("call 131", "call 131 !!") + "r0 = 0\nexit", "HelperArgument", maps=ARR)
LK = "locked hash 4 16 4 spinlock=0"
SL = LOOKUP + "if r0 == 0 goto out\nr6 = r0\nr1 = r0\ncall 93\n"
def lk(name, body, expect="accept", maps=LK, **kw):
    case("refs", name, SL + body + OUT, expect, maps=maps, kernel=False, **kw)
lk("lock_unlock", "r1 = 7\n*(u64 *)(r6 + 8) = r1\nr1 = r6\ncall 94")
lk("lock_without_unlock", "r1 = 7\n*(u64 *)(r6 + 8) = r1\nr0 = 0\nexit !!", "SpinLock")
lk("double_lock", "r1 = r6\ncall 93 !!\nr1 = r6\ncall 94", "SpinLock")
lk("helper_call_while_locked", "call 5 !!\nr1 = r6\ncall 94", "SpinLock")
lk("direct_lock_word_access", "r1 = *(u32 *)(r6 + 0) !!\nr1 = r6\ncall 94", "SpinLock")
case("refs", "unlock_without_lock", LOOKUP + "if r0 == 0 goto out\nr1 = r0\ncall 94 !!\n" + OUT, "SpinLock", maps=LK, kernel=False)
case("refs", "lock_on_map_without_lock", LOOKUP + "if r0 == 0 goto out\nr1 = r0\ncall 93 !!\nr1 = r0\ncall 94\n" + OUT, "SpinLock", maps=ARR, kernel=False)
case("refs", "lock_at_wrong_offset", LOOKUP + "if r0 == 0 goto out\nr1 = r0\nr1 += 4\ncall 93 !!\n" + OUT, "SpinLock", maps=LK, kernel=False)
case("refs", "unlock_on_path_only", SL + "call 7 !!\nr0 = 0\n" + OUT, "SpinLock", maps=LK, kernel=False)

# ================================================================ cfg: control-flow graph
case("cfg", "unreachable_after_exit", "r0 = 0\nexit\nr0 = 1 !!\nexit", "UnreachableInstruction")
case("cfg", "unreachable_jumped_over", "r0 = 0\ngoto l\nr0 = 1 !!\nl:\nexit", "UnreachableInstruction")
case("cfg", "dead_branch_still_reachable", "r0 = 0\nif r0 == 1 goto l\nexit\nl:\nr0 = 1\nexit",
     note="reachability is a CFG property: a branch the verifier proves never taken is not unreachable code")
case("cfg", "falls_off_end", "r0 = 0 !!", "FallOffEnd")
case("cfg", "falls_off_end_after_branch", "r0 = 0\nif r1 == 0 goto l\nexit\nl:\nr0 = 1 !!", "FallOffEnd")
case("cfg", "ends_with_goto_back", "r0 = 0\nl:\nr0 += 1\nif r0 > 3 goto e\ngoto l\ne:\nexit")
case("cfg", "jump_past_end", "r0 = 0\ngoto +5 !!\nexit", "decode:TargetOutOfRange")
case("cfg", "jump_into_lddw", "r0 = 0\ngoto +1 !!\nr1 = 1 ll\nexit", "decode:TargetInsideLoadImm64")
case("cfg", "conditional_jump_past_end", "r0 = 0\nif r1 == 0 goto +2 !!\nexit", "decode:TargetOutOfRange")
case("cfg", "lddw_plain_constant", "r0 = 0x123456789 ll\nexit")
case("cfg", "long_jump_gotol", "r0 = 0\ngotol l\nr0 = 1 !!\nl:\nexit", "UnreachableInstruction")
case("cfg", "diamond", "call 7\nif r0 > 5 goto a\nr0 = 1\ngoto j\na:\nr0 = 2\nj:\nexit")
case("cfg", "jump_to_self_conditional_is_loop", "r0 = 0\nl:\nif r0 == 0 goto l\nexit", "InfiniteLoop")
case("cfg", "only_exit", "exit !!", "UninitializedRegister")
case("cfg", "kfunc_call", "call btf 0x7 !!\nr0 = 0\nexit", "InvalidHelperCall", kernel=False)
case("cfg", "callx_register", "r2 = 0\ncallx r2 !!\nr0 = 0\nexit", "InvalidHelperCall")
case("cfg", "many_branches_accepted", "call 7\n" + "".join(f"if r0 == {i} goto e\n" for i in range(50)) + "r0 = 0\ne:\nexit")
case("cfg", "nop_jump", "r0 = 0\ngoto +0\nexit")

# ================================================================ return: exit values per program type
def ret(type, name, body, expect="accept", **kw):
    case("return", f"{type}_{name}", body, expect, type=type, **kw)
IR = "InvalidReturnValue"
for t, lo, hi in [("cgroup_skb", 0, 3), ("cgroup_sock", 0, 1), ("sock_ops", 0, 1), ("cgroup_sock_addr", 0, 1)]:
    ret(t, "return_min", f"r0 = {lo}\nexit"); ret(t, "return_max", f"r0 = {hi}\nexit")
    ret(t, "return_above", f"r0 = {hi + 1}\nexit !!", IR); ret(t, "return_negative", "r0 = -1\nexit !!", IR)
    ret(t, "return_unknown", "call 7\nexit !!", IR)
    ret(t, "return_masked", f"call 7\nr0 &= {hi}\nexit")
    ret(t, "return_checked", f"call 7\nif r0 > {hi} goto fix\nexit\nfix:\nr0 = 0\nexit")
    ret(t, "return_pointer", "r0 = r1\nexit !!", IR)
for t in ["socket_filter", "xdp", "sched_cls", "sched_act", "kprobe", "tracepoint", "raw_tracepoint", "perf_event", "sk_skb", "sk_msg", "lwt_in", "lwt_xmit"]:
    ret(t, "return_unknown", "call 7\nexit")
    ret(t, "return_uninit", "exit !!", "UninitializedRegister")
ret("xdp", "return_pass", "r0 = 2\nexit"); ret("xdp", "return_out_of_enum", "r0 = 7\nexit", note="the kernel does not range-check XDP verdicts")
ret("sched_cls", "return_negative", "r0 = -1\nexit")
ret("raw", "return_unknown", "call 7\nexit", kernel=False)
ret("cgroup_skb", "return_signed_upper_only", "call 7\nif r0 s> 1 goto fix\nexit !!\nfix:\nr0 = 1\nexit", IR, note="helper results are 64-bit unknowns: the signed minimum is unbounded")
ret("cgroup_skb", "return_signed_checked", "call 7\nif r0 s> 1 goto fix\nif r0 s< 0 goto fix\nexit\nfix:\nr0 = 1\nexit")
ret("cgroup_skb", "return_from_subprog", "call f\nexit\nf:\nr0 = 1\nexit")
ret("cgroup_skb", "return_w0", "call 7\nw0 &= 1\nexit")

# ================================================================ sock: socket pointers loaded from contexts
# __sk_buff.sk is a sock_common_or_null, sock_ops.sk a sock_or_null, sk_msg_md.sk and bpf_sock_addr.sk non-null sockets.
SK = {"socket_filter": 168, "sock_ops": 184, "sk_msg": 72, "cgroup_sock_addr": 64}
def sock(type, name, body, expect="accept", null_check=True, **kw):
    head = f"r2 = *(u64 *)(r1 + {SK[type]})\n" + ("if r2 == 0 goto out\n" if null_check else "")
    case("sock", f"{type}_{name}", head + body + "\nout:\nr0 = 1\nexit", expect, type=type, **kw)
SKR = lambda size, off, mark="": f"r0 = *(u{size} *)(r2 {'-' if off < 0 else '+'} {abs(off)}){mark}"
IM = "InvalidMemoryAccess"
sock("socket_filter", "family_after_null_check", SKR(32, 4))
sock("socket_filter", "family_without_null_check", SKR(32, 4, " !!"), "NullCheckRequired", null_check=False)
sock("socket_filter", "null_branch_dereferenced", "if r2 != 0 goto out\n" + SKR(32, 4, " !!"), IM, null_check=False)
sock("socket_filter", "copy_inherits_null_check", "r3 = r2\nif r2 == 0 goto out\nr0 = *(u32 *)(r3 + 4)", null_check=False)
sock("socket_filter", "write_field", "r3 = 1\n*(u32 *)(r2 + 0) = r3 !!", IM)
sock("socket_filter", "store_imm", "*(u32 *)(r2 + 0) = 1 !!", IM)
sock("socket_filter", "read_past_end", SKR(32, 80, " !!"), "OutOfBoundsAccess")
sock("socket_filter", "read_negative_offset", SKR(32, -4, " !!"), "OutOfBoundsAccess")
sock("socket_filter", "sock_common_hides_protocol", SKR(32, 12, " !!"), IM)
sock("socket_filter", "sock_common_hides_mark", SKR(32, 16, " !!"), IM)
sock("socket_filter", "read_state", SKR(32, 72))
sock("socket_filter", "read_rx_queue_mapping", SKR(32, 76))
sock("socket_filter", "read_family_u64", SKR(64, 0, " !!"), IM)
sock("socket_filter", "read_family_low_byte", SKR(8, 4))
sock("socket_filter", "read_family_second_byte", SKR(8, 5, " !!"), IM, note="only the address fields may be read in pieces at any offset")
sock("socket_filter", "read_dst_ip6_byte", SKR(8, 57))
sock("socket_filter", "read_src_ip4_half", SKR(16, 26))
sock("socket_filter", "read_dst_port_half", SKR(16, 48))
sock("socket_filter", "read_dst_port_u32", SKR(32, 48), note="the legacy 4-byte load of dst_port")
sock("socket_filter", "read_dst_port_padding", SKR(16, 50, " !!"), IM)
sock("socket_filter", "read_bound_dev_if_byte", SKR(8, 0, " !!"), IM)
sock("socket_filter", "read_misaligned", SKR(32, 6, " !!"), IM)
sock("socket_filter", "arith_after_null_check", "r2 += 4 !!", "PointerArithmetic")
sock("socket_filter", "arith_before_null_check", "r2 += 4 !!", "NullCheckRequired", null_check=False)
sock("socket_filter", "compare_before_null_check", "if r2 > 4 goto out\nr0 = 0", null_check=False,
     note="privileged: pointers may be compared with anything; only a comparison with 0 proves non-null")
sock("socket_filter", "compare_before_null_check_then_read", "if r2 > 4 goto out\n" + SKR(32, 4, " !!"), "NullCheckRequired", null_check=False)
sock("socket_filter", "compare_before_null_check_unprivileged", "if r2 > 4 goto out !!", "NullCheckRequired", null_check=False,
     privileged=False, kernel=False)
sock("socket_filter", "spill_and_fill", "*(u64 *)(r10 - 8) = r2\nr3 = *(u64 *)(r10 - 8)\nr0 = *(u32 *)(r3 + 4)")
sock("socket_filter", "family_unprivileged", SKR(32, 4), privileged=False, kernel=False)
sock("socket_filter", "stored_to_map_unprivileged", "r6 = r2\n" + LOOKUP + "if r0 == 0 goto out\n*(u64 *)(r0 + 0) = r6 !!", "PointerLeak",
     maps=ARR, privileged=False, kernel=False)
sock("sock_ops", "state_after_null_check", SKR(32, 72))
sock("sock_ops", "state_without_null_check", SKR(32, 72, " !!"), "NullCheckRequired", null_check=False)
sock("sock_ops", "read_protocol", SKR(32, 12), note="a full socket (sock_or_null): protocol is readable")
sock("sk_msg", "read_type_no_null_check", SKR(32, 8), null_check=False)
sock("sk_msg", "read_priority", SKR(32, 20), null_check=False)
sock("sk_msg", "read_priority_half", SKR(16, 20, " !!"), IM, null_check=False)
sock("sk_msg", "arith", "r2 += 8 !!", "PointerArithmetic", null_check=False)
sock("sk_msg", "write_mark", "r3 = 1\n*(u32 *)(r2 + 16) = r3 !!", IM, null_check=False)
sock("cgroup_sock_addr", "read_mark", SKR(32, 16), null_check=False)
sock("cgroup_sock_addr", "read_past_end", SKR(32, 80, " !!"), "OutOfBoundsAccess", null_check=False)
sock("cgroup_sock_addr", "read_src_port", SKR(32, 44), null_check=False)

# ================================================================ privileged rules added with the sock group (Linux 6.18)
# allow_uninit_stack: privileged programs read never-written stack as an unknown value (the engines zero the stack at run time).
case("stack", "read_uninit_is_unknown", "r1 = *(u64 *)(r10 - 8)\nr1 &= 7\nr0 = 0\nif r1 == 0 goto z\nr0 = 1\nz:\nexit",
     note="both branches are explored: the value is not taken to be 0")
case("stack", "read_uninit_half_privileged", "*(u32 *)(r10 - 8) = 1\nr0 = *(u64 *)(r10 - 8)\nexit")
case("stack", "var_off_read_uninit_privileged", "call 7\nr0 &= 7\nr2 = r10\nr2 += -16\nr2 += r0\nr0 = *(u8 *)(r2 + 0)\nexit")
case("stack", "var_off_write_uninit_privileged", "call 7\nr0 &= 7\nr2 = r10\nr2 += -16\nr2 += r0\nr3 = 1\n*(u8 *)(r2 + 0) = r3\nr0 = *(u64 *)(r10 - 16)\nexit")
case("stack", "var_off_write_uninit_unprivileged", "call 7\nr0 &= 7\nr2 = r10\nr2 += -16\nr2 += r0 !!\nr3 = 1\n*(u8 *)(r2 + 0) = r3\nr0 = 0\nexit",
     "PointerArithmetic", privileged=False, kernel=False)
case("stack", "var_off_unbounded_read", "call 7\nr0 &= 0xffff\nr0 <<= 16\nr2 = r10\nr2 += -16\nr2 += r0\nr0 = *(u8 *)(r2 + 0) !!\nexit", "OutOfBoundsAccess",
     note="the addition is allowed (its minimum is known); the access is not")
case("helpers", "lookup_key_uninit_privileged", "r2 = r10\nr2 += -4\nld_pseudo r1, 5, 0\ncall 1\nr0 = 0\nexit", maps=ARR)
# Unbounded variable offsets: the addition is allowed when the minimum is known, the access is rejected.
mv("var_off_unbounded_u32_not_accessed", "r1 = *(u32 *)(r0 + 0)\nr0 += r1\nr0 = 0")
mv("var_off_unbounded_u32_unprivileged", "r1 = *(u32 *)(r0 + 0)\nr0 += r1 !!\nr2 = *(u8 *)(r0 + 0)", "PointerArithmetic", privileged=False, kernel=False)
mv("var_off_unbounded_then_const", "r1 = *(u32 *)(r0 + 0)\nr0 += r1\nr0 += 4\nr2 = *(u8 *)(r0 + 0) !!", "OutOfBoundsAccess")
mv("var_off_sum_of_two_unbounded", "r1 = *(u32 *)(r0 + 0)\nr2 = *(u32 *)(r0 + 4)\nr0 += r1\nr0 += r2\nr2 = *(u8 *)(r0 + 0) !!", "OutOfBoundsAccess")
mv("var_off_min_too_large", "r1 = *(u32 *)(r0 + 0)\nr1 |= 0x20000000\nr0 += r1 !!\nr2 = *(u8 *)(r0 + 0)", "PointerArithmetic",
   note="a minimum of 2^29 is rejected at the addition (check_reg_sane_offset)")
mv("var_off_sub_unbounded", "r1 = *(u32 *)(r0 + 0)\nr0 -= r1 !!\nr2 = *(u8 *)(r0 + 0)", "PointerArithmetic",
   note="subtracting up to 2^32 makes the minimum too small")
ctx("socket_filter", "variable_ctx_offset_not_accessed", "r6 = r1\ncall 7\nr0 &= 4\nr6 += r0\nr0 = 0")
ctx("socket_filter", "variable_ctx_offset_to_helper", "r6 = r1\ncall 7\nr0 &= 4\nr6 += r0\nr1 = r6\nr2 = 0\nr3 = r10\nr3 += -8\nr4 = 4\ncall 26", "HelperArgument")
xdp("var_offset_unbounded_not_accessed", CHK + "r5 = *(u32 *)(r2 + 0)\nr2 += r5\nr0 = 2")
# A static subprogram's exit checks nothing: an unset r0 reaches the caller, which fails only if it reads it.
case("calls", "callee_returns_nothing_unused", "call f\nr0 = 0\nexit\nf:\nexit")
case("calls", "callee_returns_nothing_read", "call f\nr1 = r0 !!\nr0 = 0\nexit\nf:\nexit", "UninitializedRegister")
case("calls", "callee_returns_nothing_on_one_path", "call 7\nr1 = r0\ncall f\nexit !!\nf:\nif r1 > 5 goto e\nr0 = 1\ne:\nexit", "UninitializedRegister")
