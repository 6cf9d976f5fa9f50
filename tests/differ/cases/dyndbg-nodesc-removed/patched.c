/*
 * btrfs_debug sites pass no descriptor (_dynamic_func_call_no_desc): only
 * their __jump_table entries key the __dyndbg descriptors.  The fix drops
 * a site (the first static gcc numbers, so the others keep their names):
 * its descriptor is only in ORIG and went with its function's change,
 * which is patched -- not a bounds-table entry to refuse (the first
 * landing of that refusal refused the real btrfs extent-tree.c pair so).
 */
extern int printk(const char *fmt, ...);
struct static_key { int enabled; };
struct hp_ddebug {
	const char *format;
	unsigned int lineno;
	struct static_key key;
} __attribute__((aligned(8)));

static inline __attribute__((always_inline)) int hp_key_on(struct static_key *key)
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

/* named by hand: __COUNTER__ would renumber the sites after a removed one */
#define hp_debug(id, fmt, ...)							\
	do {									\
		static struct hp_ddebug __attribute__((used, section("__dyndbg")))	\
			id = { .format = fmt, .lineno = __LINE__ };			\
		if (hp_key_on(&id.key))						\
			printk(fmt, ##__VA_ARGS__);				\
	} while (0)

int hp_work(int x)
{
	hp_debug(__UNIQUE_ID_ddebug2, "hp_work: %d\n", x);
	return x + 1;
}

int hp_idle(int x)
{
	hp_debug(__UNIQUE_ID_ddebug3, "hp_idle: %d\n", x);
	return x;
}
