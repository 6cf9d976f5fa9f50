/*
 * The target's struct bug_entry is 16 bytes whose members end at 12 (4 bytes of tail
 * padding); the section holds one 12-byte entry: an unpadded last entry, accepted (and written
 * padded to 16 bytes).
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
	if (x > 4)
		BUG_ENTRY();
	return x;
}
