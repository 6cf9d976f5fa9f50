/*
 * gcc clones a static function for a constant argument (.constprop.N); a
 * change inside the clone patches the clone, under its original name.
 */
extern int printk(const char *fmt, ...);

static __attribute__((noinline)) int report(const char *what, int level, int x)
{
	asm volatile("" : "+r" (x));
	if (level > 2)
		return printk("%s: HIGH %d\n", what, x);
	return printk("%s: low %d\n", what, x);
}

int one(int x)
{
	return report("one", 3, x);
}

int two(int x)
{
	return report("two", 3, x + 1);
}
