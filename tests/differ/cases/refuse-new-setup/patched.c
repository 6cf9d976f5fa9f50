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

static int __attribute__((section(".init.text"), cold)) hp_quiet_setup(char *s)
{
	hp_quiet = 1;
	return 1;
}
static const char __setup_str_hp_quiet_setup[] __attribute__((section(".init.rodata"), aligned(1))) =
	"hp_quiet";
static struct obs_kernel_param __setup_hp_quiet_setup
	__attribute__((used, section(".init.setup"), aligned(__alignof__(struct obs_kernel_param)))) = {
	__setup_str_hp_quiet_setup, hp_quiet_setup, 0
};
