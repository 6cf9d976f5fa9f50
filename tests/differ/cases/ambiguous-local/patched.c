/*
 * The target has several locals named `state`; the one of this object's
 * compilation unit is chosen (sympos 2), by the index's CU.
 */
extern int printk(const char *fmt, ...);
static int state;

int poke(int x)
{
	state += x;
	return printk("poke: %d\n", state);
}
