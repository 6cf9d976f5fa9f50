/* A new (non-inlined) helper: the caller is changed, the helper is new. */
extern int printk(const char *fmt, ...);

static __attribute__((noinline)) int clamp_value(int x)
{
	asm volatile("" : "+r" (x));
	return x > 100 ? 100 : x;
}

int caller(int x)
{
	return printk("%d\n", clamp_value(x));
}

int bystander(int x)
{
	return x - 1;
}
