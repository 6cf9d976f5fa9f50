/*
 * A static local added in an earlier function renumbers the later ones
 * (count.1 -> count.2): they are paired through the functions using them and
 * the klp symbol names the original's numbering.
 */
extern int printk(const char *fmt, ...);

int first(int x)
{
	return x + 3;
}

int second(int x)
{
	static int count;

	count += x;
	return printk("second %d\n", count);
}
