/*
 * kfd_topology.c in Debian 6.1.190 -> 6.1.192: the object only adds a global function, and
 * another object of the same patch (kfd_chardev.c) calls it.
 */
extern int printk(const char *fmt, ...);

int keeper(int x)
{
	return printk("%d\n", x);
}
