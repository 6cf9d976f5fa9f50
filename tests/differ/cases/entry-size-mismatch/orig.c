/*
 * Entry sizes come from the target's DWARF (the index says struct bug_entry is 16 bytes) and
 * are checked against the object: its relocations repeat every 12 bytes, so it was not built
 * for that target -- refused, naming __bug_table.
 */
#define BUG_ENTRY() asm volatile("1:\tud2\n"				\
				 ".pushsection __bug_table,\"aw\"\n"	\
				 "2:\t.long 1b - .\n"			\
				 "\t.long 0\n"				\
				 "\t.word %c0\n"			\
				 "\t.word 0\n"				\
				 ".popsection" : : "i" (__LINE__))

int checked(int x)
{
	if (x > 3)
		BUG_ENTRY();
	if (x < -3)
		BUG_ENTRY();
	return x;
}
