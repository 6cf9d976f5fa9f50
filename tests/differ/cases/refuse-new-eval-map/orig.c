/*
 * TRACE_DEFINE_ENUM(HP_MODE_FAST) added to a trace header (what 6.1 writes
 * under CREATE_TRACE_POINTS: an __initdata struct trace_eval_map and a
 * pointer to it in _ftrace_eval_map): the kernel reads the eval maps at boot
 * or module load only.  Refused, not a module carrying the map.
 */
struct trace_eval_map {
	const char *system;
	const char *eval_string;
	unsigned long eval_value;
};

int hp_mode(int x)
{
	return x & 3;
}
