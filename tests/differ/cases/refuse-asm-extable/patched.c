/*
 * Assembly without a function symbol (a bare label in a section of its own)
 * whose __ex_table entry changes its handler type (2 -> 3): livepatch patches
 * whole functions and this code belongs to none, so the difference must not
 * pass as "no functional change".  Refused naming the entry's code.  The entry
 * is 6.1's struct exception_table_entry (insn, fixup, data: three s32).
 */
asm(".pushsection .text.hp_asm_copy, \"ax\"\n"
    "1:	movl (%rsi), %eax\n"
    "2:	ret\n"
    ".popsection\n"
    ".pushsection __ex_table, \"a\"\n"
    "	.balign 4\n"
    "	.long 1b - .\n"
    "	.long 2b - .\n"
    "	.long 3\n"
    ".popsection\n");

int hp_plain(int x)
{
	return x + 1;
}
