/*
 * A new tracepoint defined (DEFINE_TRACE_FN, as CREATE_TRACE_POINTS expands it
 * in 6.1) and called: the kernel registers tracepoints from __tracepoints_ptrs
 * at boot or module load only, so the patch would carry one nobody can attach
 * to.  Refused naming the tracepoint.
 */
struct static_key {
	int enabled;
	void *entries;
};
struct static_call_key {
	void *func;
	unsigned long type;
};
struct tracepoint {
	const char *name;
	struct static_key key;
	struct static_call_key *static_call_key;
	void *static_call_tramp;
	void *iterator;
	int (*regfunc)(void);
	void (*unregfunc)(void);
	void *funcs;
};

int hp_work(int x)
{
	return x * 2;
}
