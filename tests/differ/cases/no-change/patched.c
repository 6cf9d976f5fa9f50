/* Only comments and formatting change: no functional change, exit 3. */
extern int printk(const char *fmt, ...);

/* a comment */
int show(int x)
{
	return printk("value %d\n",   x);
}
