/*
 * Code no symbol covers, in a section that has a function: assembly after
 * hp_asm's end (its .size), reached by nothing the differ sees.  It changes
 * ($1 -> $2).  compare judged hp_asm's bytes only, so the run said "no
 * functional change"; like code outside any function in a section of its
 * own, it is refused, naming the section and the byte range.
 */
asm(".pushsection .text.hp_asm, \"ax\"\n"
    ".globl hp_asm\n"
    ".type hp_asm, @function\n"
    "hp_asm:\n"
    "	ret\n"
    ".size hp_asm, .-hp_asm\n"
    "	movl $1, %eax\n"
    "	ret\n"
    ".popsection\n");

int hp_plain(int x)
{
	return x + 1;
}
