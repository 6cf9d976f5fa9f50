/*
 * A new entry of a table built from variables placed in a section of its
 * own (__used __section("hp_tab")): nothing in the object reads it, the
 * kernel finds it through __start_hp_tab/__stop_hp_tab.  It was carried
 * as new data nothing reads (the patch lacked it); now it is refused.
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
