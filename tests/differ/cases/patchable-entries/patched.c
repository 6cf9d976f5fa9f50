/*
 * 6.12's call padding (-fpatchable-function-entry=16,16): every function
 * has its own symbol-less __patchable_function_entries section, a table
 * the compiler makes from the code and no x86 kernel code reads.  A
 * changed function is patched; the table is no bounds table to refuse
 * (the first landing of the bounds-table refusal refused it as "adds
 * entries to a new table", then crashed).
 */
int hp_limit = 4;

int hp_check(int x)
{
	return x >= hp_limit;
}

int hp_other(int x)
{
	return x * 3;
}
