/* A change in the .cold part of a function patches the function, never foo.cold alone. */
extern int printk(const char *fmt, ...);
extern void slow_path(int x) __attribute__((cold));

int hot(int x)
{
	if (__builtin_expect(x > 1000, 0)) {
		slow_path(x);
		printk("hot: unusual %d\n", x);
		return -1;
	}
	return x + 1;
}
