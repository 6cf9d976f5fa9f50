/* A changed function that drops its static local cannot be correlated safely: exit 2. */
extern int printk(const char *fmt, ...);

int counted(int x)
{
	static int seen;

	seen++;
	return printk("%d %d\n", x, seen);
}
