/*
 * Only the line in a "file.c:LINE" string moves (fortify's memcpy warning
 * spells __FILE__ ":" __stringify(__LINE__)): no functional change, like a
 * moved __LINE__ immediate.  Another number in the same string still counts
 * (string-change).
 */
int report(const char *fmt, const char *where, unsigned long size);

int check_copy(unsigned long size)
{
	if (size > 64)
		return report("memcpy: field-spanning write (size %lu)\n",
			      "field \"ri->i_name\" at fs/f2fs/dir.c:535", size);
	return 0;
}
