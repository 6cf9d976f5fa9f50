/*
 * Bytes no symbol covers, in a section that has one: assembly data next to
 * hp_tab, which nothing refers to.  The fix removes them (the patched
 * object has no gap).  Nothing the differ sees reads them, but what reads
 * them unseen would read something else now: refused (exit 2), naming the
 * section and the original object's byte range.
 */
static const int hp_tab[2] __attribute__((used, section(".rodata.hp"))) = { 1, 2 };

int hp_plain(int x)
{
	return x + hp_tab[x & 1];
}
