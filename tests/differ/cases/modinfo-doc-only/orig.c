/*
 * Only MODULE_DESCRIPTION and MODULE_PARM_DESC changed (and the __COUNTER__
 * numbers of the entries moved): modinfo shows them to people, nothing in the
 * kernel or its tools acts on them, so there is no functional change.  The
 * MODULE_IMPORT_NS(HP_NS) added is no change either: the patch module imports
 * the namespaces its own references need.
 */
static const char __UNIQUE_ID_description1[]
	__attribute__((used, section(".modinfo"), aligned(1))) = "description=hp test driver";
static const char __UNIQUE_ID_parm2[] __attribute__((used, section(".modinfo"), aligned(1))) =
	"parm=debug:enable debug output";
static const char __UNIQUE_ID_license3[] __attribute__((used, section(".modinfo"), aligned(1))) =
	"license=GPL";

int hp_probe(int id)
{
	return id == 0x1234;
}
