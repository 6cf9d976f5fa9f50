/* A number in a string that is not a "file.c:LINE" is content: the function changes. */
int report(const char *fmt, unsigned long size);

int check_copy(unsigned long size)
{
	if (size > 64)
		return report("limit 64 at dir.c: %lu\n", size);
	return 0;
}
