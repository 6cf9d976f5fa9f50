/*
 * Bytes no symbol covers (assembly data next to hp_tab, behind a local .L
 * label: no symbol), read by hp_read through the section symbol plus an
 * addend, as gcc reads its unnamed constants.  They change (7 -> 8): the
 * reader is changed, is patched and carries the section; the gap's
 * difference is its.
 */
static const int hp_tab[2] __attribute__((used, section(".rodata.hp"))) = { 1, 2 };

asm(".pushsection .rodata.hp, \"a\"\n"
    ".Lhp_anon:\n"
    "	.long 8\n"
    ".popsection\n");

int hp_read(void)
{
	int v;

	asm("movl .Lhp_anon(%%rip), %0" : "=r"(v));
	return v;
}

int hp_plain(int x)
{
	return x + hp_tab[x & 1];
}
