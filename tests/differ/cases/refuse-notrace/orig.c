/* A changed function without an ftrace entry (notrace) cannot be patched: exit 2. */
extern int printk(const char *fmt, ...);

__attribute__((no_instrument_function)) int untraced(int x)
{
	return printk("untraced %d\n", x);
}
