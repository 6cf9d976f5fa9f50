/* A new (non-inlined) helper: the caller is changed, the helper is new. */
extern int printk(const char *fmt, ...);

int caller(int x)
{
	return printk("%d\n", x);
}

int bystander(int x)
{
	return x - 1;
}
