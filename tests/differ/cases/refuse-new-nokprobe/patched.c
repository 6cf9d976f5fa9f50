/*
 * NOKPROBE_SYMBOL(hp_fn) added (what 6.1's __NOKPROBE_SYMBOL writes: the
 * function's address in _kprobe_blacklist): the kernel reads the blacklist at
 * boot or module load only, and a patch module's entry pointing into the
 * running kernel is not relocated yet when its blacklist is read, so the
 * running hp_fn would stay probe-able.  Refused, not a module carrying the entry.
 */
int hp_fn(int x)
{
	return x + 1;
}
static unsigned long __attribute__((used, section("_kprobe_blacklist"))) _kbl_addr_hp_fn =
	(unsigned long)hp_fn;
