/*
 * A constant compound literal at file scope is __compound_literal.N, an
 * object gcc names; hp_get reads it (gcc folds the pointer).  One element
 * changes: hp_get's bytes do not, the literal does.  It was an always-safe
 * special static whose changes were ignored ("no functional change"); its
 * contents are values its reader uses, so hp_get is patched.
 */
static const int *hp_tab = (const int[]){ 3, 1, 4, 2, 5 };

int hp_get(int i)
{
	return hp_tab[i];
}
