/*
 * A changed static function without an ftrace entry that replacement code in
 * .altinstr_replacement calls: that code has no symbol to tell whether it is carried, so no
 * copy can stand in for the function: exit 2.
 */
extern int printk(const char *fmt, ...);

static __attribute__((noipa, used, no_instrument_function)) int helper(int x)
{
	return printk("helper: %d\n", x);
}

int caller(int x)
{
	return helper(x) + 2;
}

void other(void)
{
	asm volatile(".pushsection .altinstr_replacement, \"ax\"\n\tcall helper\n\t.popsection");
}
