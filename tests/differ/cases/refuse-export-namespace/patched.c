/*
 * EXPORT_SYMBOL_GPL(hp_count) becomes EXPORT_SYMBOL_NS_GPL(hp_count, HP_NS):
 * the running kernel keeps the export in no namespace (modules built for the
 * new namespace would still load, ones checking it would not), and a live patch
 * cannot change its export table: refused naming the export.  The macro writes
 * what 6.1's ___EXPORT_SYMBOL writes on x86-64 (___ksymtab_gpl+NAME, prel32).
 */
#define HP_EXPORT_GPL(sym, ns)							\
	asm("	.section \"__ksymtab_strings\",\"aMS\",%progbits,1\n"		\
	    "__kstrtab_" #sym ": .asciz \"" #sym "\"\n"				\
	    "__kstrtabns_" #sym ": .asciz \"" ns "\"\n"				\
	    "	.previous\n"							\
	    "	.section \"___ksymtab_gpl+" #sym "\", \"a\"\n"			\
	    "	.balign 4\n"							\
	    "__ksymtab_" #sym ":\n"						\
	    "	.long " #sym " - .\n"						\
	    "	.long __kstrtab_" #sym " - .\n"					\
	    "	.long __kstrtabns_" #sym " - .\n"				\
	    "	.previous\n")

int hp_count(int x)
{
	return x + 1;
}
HP_EXPORT_GPL(hp_count, "HP_NS");
