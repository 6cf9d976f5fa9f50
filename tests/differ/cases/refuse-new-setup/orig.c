/*
 * __setup("hp_quiet", hp_quiet_setup) added (a boot parameter of built-in
 * code): the kernel parses the command line against .init.setup once, at boot,
 * so a live patch cannot add it.  Refused, not "no functional change" (the new
 * __init function and .init.setup entry are all that differ).  The entry is
 * what 6.1's __setup_param writes.
 */
struct obs_kernel_param {
	const char *str;
	int (*setup_func)(char *);
	int early;
};

static int hp_quiet;

int hp_is_quiet(void)
{
	return hp_quiet;
}

void hp_set_quiet(int q)
{
	hp_quiet = q;
}
