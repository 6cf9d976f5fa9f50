/*
 * A new global entry of a table built from variables placed in a section
 * of its own: another object may name it, but the kernel walks the table
 * through __start_hp_tab/__stop_hp_tab and never sees the patch module's
 * copy.  It was carried as new data; now it is refused.
 */
struct hp_ent {
	int id;
	void (*hook)(int *);
};

__attribute__((used)) static void hp_hook(int *x)
{
	*x += 1;
}

__attribute__((used, section("hp_tab"))) static const struct hp_ent hp_ent_a = { 1, hp_hook };
