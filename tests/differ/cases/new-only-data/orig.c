/* The object only adds a global variable nothing in the patch reads or writes. */
extern int printk(const char *fmt, ...);

int keeper(int x)
{
	return printk("%d\n", x);
}
