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

int __traceiter_hp_event(void *data, int x);
extern struct static_call_key __SCK__tp_func_hp_event;
void __SCT__tp_func_hp_event(void);

static const char __tpstrtab_hp_event[] __attribute__((section("__tracepoints_strings"))) =
	"hp_event";
struct tracepoint __tracepoint_hp_event __attribute__((used, section("__tracepoints"))) = {
	.name = __tpstrtab_hp_event,
	.static_call_key = &__SCK__tp_func_hp_event,
	.static_call_tramp = __SCT__tp_func_hp_event,
	.iterator = &__traceiter_hp_event,
};
asm("	.section \"__tracepoints_ptrs\", \"a\"\n"
    "	.balign 4\n"
    "	.long __tracepoint_hp_event - .\n"
    "	.previous\n");

int __traceiter_hp_event(void *data, int x)
{
	void (**it)(void *, int) = __tracepoint_hp_event.funcs;

	if (it)
		(*it)(data, x);
	return 0;
}
struct static_call_key __SCK__tp_func_hp_event = { .func = __traceiter_hp_event };
asm(".pushsection .static_call.text, \"ax\"\n"
    ".align 4\n"
    ".globl __SCT__tp_func_hp_event\n"
    "__SCT__tp_func_hp_event:\n"
    ".byte 0xe9; .long __traceiter_hp_event - (. + 4)\n"
    ".byte 0x0f, 0xb9, 0xcc\n"
    ".type __SCT__tp_func_hp_event, @function\n"
    ".size __SCT__tp_func_hp_event, . - __SCT__tp_func_hp_event\n"
    ".popsection\n");

int hp_work(int x)
{
	if (__builtin_expect(__tracepoint_hp_event.key.enabled, 0))
		__traceiter_hp_event(0, x);
	return x * 2;
}
