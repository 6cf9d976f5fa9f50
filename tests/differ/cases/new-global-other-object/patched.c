/*
 * kfd_topology.c in Debian 6.1.190 -> 6.1.192: the object only adds a global function, and
 * another object of the same patch (kfd_chardev.c) calls it.
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
