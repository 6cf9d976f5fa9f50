/*
 * A switch compiled to a jump table (-fjump-tables here; the kernel builds
 * with -fno-jump-tables, so there it is a compare tree or a CSWTCH lookup
 * table, see switch-table-values).  Two case values swap (2 <-> 3): the
 * code blocks stay in the same order, only the table's entries, in the
 * symbol-less .rodata.hp_jump, point elsewhere.  The table is part of its
 * reader (compared whole, entry by entry): hp_jump is patched.
 */
extern int hp_a(int), hp_b(int), hp_c(int), hp_d(int), hp_e(int), hp_f(int);

int hp_jump(int x, int y)
{
	switch (x) {
	case 0: return hp_a(y);
	case 1: return hp_b(y);
	case 3: return hp_c(y);
	case 2: return hp_d(y);
	case 4: return hp_e(y);
	case 5: return hp_f(y);
	default: return -1;
	}
}
