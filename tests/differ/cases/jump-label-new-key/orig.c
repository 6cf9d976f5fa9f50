/*
 * A changed function with a jump label on a key the patch adds: the key is new,
 * so the patch module carries it, and the kept __jump_table entry points at
 * the copy -- the function references the key only through that entry.
 */
extern int printk(const char *fmt, ...);
struct static_key { int enabled; };
struct static_key my_feature_key;

static inline __attribute__((always_inline)) int feature_on(struct static_key *key)
{
	asm goto("1:\t.byte 0x0f,0x1f,0x44,0x00,0x00\n"
		 ".pushsection __jump_table, \"aw\"\n"
		 ".balign 8\n"
		 ".long 1b - ., %l[l_yes] - .\n"
		 ".quad %c0 - .\n"
		 ".popsection"
		 : : "i" (key) : : l_yes);
	return 0;
l_yes:
	return 1;
}

int maybe(int x)
{
	return x;
}
