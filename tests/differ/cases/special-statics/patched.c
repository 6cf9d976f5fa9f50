/*
 * Always-safe special statics reached from changed code are carried in the
 * output (a once-flag, __func__), never refused or shared.
 */
extern int printk(const char *fmt, ...);

int once_user(int x)
{
	static int __warned;

	if (x < -1 && !__warned) {
		__warned = 1;
		printk("%s: very negative\n", __func__);
	}
	return x;
}
