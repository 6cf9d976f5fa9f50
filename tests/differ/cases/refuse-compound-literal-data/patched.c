/*
 * A compound literal in a writable initializer (the attribute-group idiom:
 * .attrs = (struct attribute *[]){ ... }): the running kernel's hp_grp points
 * at its own copy of the literal, which the patch changes.  The change was
 * ignored ("no functional change"); now it changes hp_grp, existing data
 * whose initializer a patch cannot change: refused.
 */
struct hp_grp {
	int **attrs;
};

int hp_a1, hp_a2;
struct hp_grp hp_grp = { .attrs = (int *[]){ &hp_a2, 0 } };
