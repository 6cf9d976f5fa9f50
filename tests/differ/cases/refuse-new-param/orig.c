/*
 * module_param(debug, int, 0644) added: the kernel reads __param only when
 * the module loads, so a live patch cannot add the parameter.  Refused, not
 * "no functional change".  (The entry is what 6.1's module_param writes.)
 */
struct kernel_param_ops;
struct kernel_param {
	const char *name;
	void *mod;
	const struct kernel_param_ops *ops;
	unsigned short perm;
	signed char level;
	unsigned char flags;
	void *arg;
};
extern const struct kernel_param_ops param_ops_int;

static int debug;

int get_debug(void)
{
	return debug;
}
