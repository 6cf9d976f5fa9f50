/*
 * A partial backport (ima_kexec.c in Debian 6.1.190 -> 6.1.192): the object only adds a global
 * function, with its own static helper, data and strings, and nothing in the patch calls it.
 */
extern int printk(const char *fmt, ...);

static int range_checks;

static __attribute__((noinline)) int range_ok(unsigned long start, unsigned long size)
{
	asm volatile("" : "+r" (start));
	return start + size >= start;
}

int validate_range(unsigned long start, unsigned long size)
{
	range_checks++;
	if (!range_ok(start, size)) {
		printk("range %lx+%lx lies outside memory\n", start, size);
		return -22;
	}
	return 0;
}

int keeper(int x)
{
	return printk("%d\n", x);
}
