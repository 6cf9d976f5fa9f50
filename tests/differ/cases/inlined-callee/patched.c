/* A changed static inline callee: every function it was inlined into is changed. */
extern int printk(const char *fmt, ...);

static inline int scale(int x)
{
	return x * 5;
}

int user_a(int x)
{
	return printk("a %d\n", scale(x));
}

int user_b(int x)
{
	return printk("b %d\n", scale(x + 1));
}

int unrelated(int x)
{
	return printk("u %d\n", x);
}
