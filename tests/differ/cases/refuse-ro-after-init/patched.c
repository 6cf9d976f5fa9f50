/*
 * The initializer of a __ro_after_init variable changes (1 -> 2): init code
 * (here hp_set_mode, called while the module loads) may have set it, so a copy
 * carrying the new initializer would replace the running value, and the
 * variable is read-only once init is done.  Refused, where the differ used to
 * copy it as a "changed constant" into both patched readers.
 */
static int hp_mode __attribute__((section(".data..ro_after_init"))) = 2;

void hp_set_mode(int v)
{
	hp_mode = v;
}

int hp_get(void)
{
	return hp_mode * 3;
}
