/*
 * Assembly without a function symbol that no code or data names (reached from
 * elsewhere by address) reads through another register (rsi -> rdi):
 * livepatch patches whole functions and this code belongs to none, so the
 * difference must not pass as "no functional change".  Refused naming the
 * code's section.  (refuse-asm-extable: the same code with a table entry.)
 */
asm(".pushsection .text.hp_asm_copy, \"ax\"\n"
    "	movl (%rdi), %eax\n"
    "	ret\n"
    ".popsection\n");

int hp_plain(int x)
{
	return x + 1;
}
