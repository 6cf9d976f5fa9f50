/*
 * An entry of a table built from variables placed in a section of its own
 * is removed: nothing in the object read it (the kernel walks the table
 * through __start_hp_tab/__stop_hp_tab), so no verdict looked at it and
 * the run said "no functional change"; the running kernel keeps it.
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
__attribute__((used, section("hp_tab"))) static const struct hp_ent hp_ent_b = { 2, hp_hook };
