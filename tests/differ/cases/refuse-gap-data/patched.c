/*
 * Bytes no symbol covers, in a section that has one: assembly data next to
 * hp_tab, which nothing refers to.  They change (7 -> 8).  compare judged
 * symbols only, so the run said "no functional change"; a gap that differs
 * and nothing reads may be read where the differ cannot see (a linker
 * script, an offset from another label), so it is refused (exit 2), naming
 * the section and the byte range, as changed code outside any function is.
 */
static const int hp_tab[2] __attribute__((used, section(".rodata.hp"))) = { 1, 2 };

asm(".pushsection .rodata.hp, \"a\"\n"
    "	.long 8\n"
    ".popsection\n");

int hp_plain(int x)
{
	return x + hp_tab[x & 1];
}
