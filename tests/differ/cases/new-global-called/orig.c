/*
 * A new global function with its own static helper and data, called by a changed function
 * of its own object: the caller is patched, the new code is carried.
 */
extern int printk(const char *fmt, ...);

int keeper(int x)
{
	return printk("%d\n", x);
}
