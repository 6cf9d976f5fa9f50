/*
 * A changed static function without an ftrace entry that only changed code calls (like an
 * out-of-line clone of a static inline) is carried as a copy for its callers: exit 0.
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
