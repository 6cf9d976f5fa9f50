/*
 * EXPORT_SYMBOL_GPL(hp_count) removed: the running kernel's export table cannot
 * change, so the patch is refused naming the export.  The macro below writes
 * what 6.1's EXPORT_SYMBOL writes on x86-64 (___ksymtab_gpl+NAME, prel32).
 */
#define HP_EXPORT_GPL(sym)							\
	asm("	.section \"__ksymtab_strings\",\"aMS\",%progbits,1\n"		\
	    "__kstrtab_" #sym ": .asciz \"" #sym "\"\n"				\
	    "__kstrtabns_" #sym ": .asciz \"\"\n"				\
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
HP_EXPORT_GPL(hp_count);
