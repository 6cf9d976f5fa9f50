/* A string literal changes: the function using it is changed, nothing else. */
extern int printk(const char *fmt, ...);
static int counter;

int show(int x)
{
	counter++;
	return printk("value %d\n", x);
}

int other(int x)
{
	return printk("other %d\n", x + counter);
}
