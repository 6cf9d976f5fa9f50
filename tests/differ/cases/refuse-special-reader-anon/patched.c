/*
 * An unnamed constant (behind a local .L label, in a section without
 * symbols) that only replacement code (.altinstr_replacement, a special
 * section) reads changes (2 -> 3).  No code or data refers to it, so the
 * section looked "referenced by nothing" and the run said "no functional
 * change"; what reads it is carried by no function, so the change is
 * refused (exit 2), naming the section and its reader.
 */
asm(".pushsection .rodata.hp_anon, \"a\"\n"
    ".Lhp_v:\n"
    "	.long 3\n"
    ".popsection\n"
    ".pushsection .altinstr_replacement, \"ax\"\n"
    "	movl .Lhp_v(%rip), %eax\n"
    ".popsection\n");

int hp_plain(int x)
{
	return x + 1;
}
