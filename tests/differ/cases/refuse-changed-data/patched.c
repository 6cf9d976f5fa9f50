/* A changed initializer of existing data cannot be live patched: exit 2, no output. */
int limit = 6;

int over_limit(int x)
{
	return x > limit;
}
