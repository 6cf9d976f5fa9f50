/*
 * EXPORT_SYMBOL_GPL(hp_count) added, written the 6.5+ way (6.12): an entry
 * __export_symbol_NAME in .export_symbol ("GPL\0", namespace "\0", then the
 * address) that modpost turns into the export table.  The running kernel's
 * export table cannot change: refused naming the export, not "no functional
 * change".
 */
int hp_count(int x)
{
	return x + 1;
}
