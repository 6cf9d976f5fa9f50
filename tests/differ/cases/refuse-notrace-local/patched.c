/*
 * A changed static function without an ftrace entry that an unchanged function still calls
 * cannot be carried (that caller would keep the running copy): exit 2.
 */
extern int printk(const char *fmt, ...);

static __attribute__((noipa, no_instrument_function)) int helper(int x)
{
	return printk("helper: %d\n", x);
}

int caller(int x)
{
	return helper(x) + 2;
}

int other(int x)
{
	return helper(x * 3);
}
