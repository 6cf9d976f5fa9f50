/* Changed __exit code: notrace and run only at unload, livepatch cannot redirect it: exit 2. */
extern int printk(const char *fmt, ...);

__attribute__((__section__(".exit.text"), cold, no_instrument_function)) void teardown_thing(void)
{
	printk("teardown\n");
}
