/*
 * A fix near the top of the file shifts every line below it: functions whose
 * only difference is a __LINE__ (an immediate passed to __might_sleep, the line
 * field of a __bug_table entry, a line passed to a local function between such
 * moves) stay unchanged; only the fixed function and a real constant change do.
 */
extern void __might_sleep(const char *file, int line);
extern int printk(const char *fmt, ...);

#define WARN_ON_FIX(cond) ({						\
	int __c = !!(cond);						\
	if (__c)							\
		asm volatile("1:\tud2\n"				\
			     ".pushsection __bug_table,\"aw\"\n"	\
			     "2:\t.long 1b - .\n"			\
			     "\t.long %c0 - .\n"			\
			     "\t.word %c1\n"				\
			     "\t.word %c2\n"				\
			     "\t.org 2b+12\n"				\
			     ".popsection"				\
			     : : "i" (__FILE__), "i" (__LINE__), "i" (1 << 9));	\
	__c; })

int fixed(int x)
{
	/* the fix: two more lines */
	if (x < 0)
		return 0;
	return x + 1;
}

int warns(int x)
{
	WARN_ON_FIX(x > 100);
	return x * 2;
}

static __attribute__((noinline)) int note_line(int x, int line)
{
	asm volatile("" : "+r" (x), "+r" (line));
	return x + line;
}

/* passes __LINE__ to a local function: only the moves around it tell it is a line */
int via_local(int x)
{
	return note_line(x, __LINE__);
}

/* a real constant change next to the line moves is still a change */
int tuned(int x)
{
	return note_line(x, 41);
}

int sleeps(int x)
{
	__might_sleep(__FILE__, __LINE__);
	return printk("x=%d\n", x);
}
