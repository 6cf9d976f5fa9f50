/*
 * A constant table the code only reads (an indexed load, no address kept):
 * the patch carries the new table and its readers are patched.
 */
static const char *const state_names[] = { "R (running, patched)", "S (sleeping)" };

const char *state_name(unsigned int s)
{
	return state_names[s & 1];
}
