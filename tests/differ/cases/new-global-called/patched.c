/*
 * A new global function with its own static helper and data, called by a changed function
 * of its own object: the caller is patched, the new code is carried.
 */
extern int printk(const char *fmt, ...);

static int range_checks;

static __attribute__((noinline)) int range_ok(unsigned long start, unsigned long size)
{
	asm volatile("" : "+r" (start));
	return start + size >= start;
}

__attribute__((noinline)) int validate_range(unsigned long start, unsigned long size)
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
	if (validate_range(x, 16))
		return -22;
	return printk("%d\n", x);
}
