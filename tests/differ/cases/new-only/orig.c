/*
 * A partial backport (ima_kexec.c in Debian 6.1.190 -> 6.1.192): the object only adds a global
 * function, with its own static helper, data and strings, and nothing in the patch calls it.
 */
extern int printk(const char *fmt, ...);

int keeper(int x)
{
	return printk("%d\n", x);
}
