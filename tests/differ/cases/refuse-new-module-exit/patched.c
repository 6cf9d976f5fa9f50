/*
 * module_exit(hp_exit) added to a module that had none: module_exit writes
 * the alias cleanup_module, which modpost makes the module's exit; the loader
 * took the running module's (none) when it loaded, so a live patch cannot add
 * it, and the new __exit function is all that differs.  Refused, not "no
 * functional change".  (The aliases are what 6.1's module_init/module_exit
 * write in a module.)
 */
static int hp_state;

static int __attribute__((section(".init.text"), cold)) hp_init(void)
{
	hp_state = 1;
	return 0;
}
int init_module(void) __attribute__((alias("hp_init")));

int hp_get(void)
{
	return hp_state;
}

static void __attribute__((section(".exit.text"), cold)) hp_exit(void)
{
	hp_state = 0;
}
void cleanup_module(void) __attribute__((alias("hp_exit")));
