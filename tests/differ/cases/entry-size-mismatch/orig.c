/* Entry sizes come from the target: a size that does not divide the section is an error (exit 1). */
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
	return x;
}
