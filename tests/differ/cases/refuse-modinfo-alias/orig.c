/*
 * MODULE_ALIAS("pci:v00008086d0000ABCDsv*sd*bc*sc*i*") added and nothing else:
 * modprobe reads .modinfo from the module file, so the running kernel can never
 * see the alias.  Refused naming the entry, not "no functional change".  (The
 * entries are what 6.1's __MODULE_INFO writes in a module: __UNIQUE_ID strings.)
 */
static const char __UNIQUE_ID_license1[] __attribute__((used, section(".modinfo"), aligned(1))) =
	"license=GPL";
static const char __UNIQUE_ID_alias2[] __attribute__((used, section(".modinfo"), aligned(1))) =
	"alias=pci:v00008086d00001234sv*sd*bc*sc*i*";

int hp_probe(int id)
{
	return id == 0x1234;
}
