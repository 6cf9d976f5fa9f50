/*
 * An asm table entry is removed (the section shrinks): the running
 * kernel's table keeps it, so the fix is refused.
 */
struct hp_dev {
	int id;
};

__attribute__((used)) static void hp_quirk_a(struct hp_dev *dev)
{
	dev->id |= 1;
}

__attribute__((used)) static void hp_quirk_b(struct hp_dev *dev)
{
	dev->id |= 2;
}

/* as DECLARE_PCI_FIXUP_FINAL emits an entry on x86 (PREL32): no symbol */
#define HP_FIXUP(sec, vendor, hook)				\
	asm(".pushsection " sec ", \"a\"\n"			\
	    "	.balign 16\n"					\
	    "	.short " #vendor ", 0xffff\n"			\
	    "	.long 0, 0\n"					\
	    "	.long " #hook " - .\n"				\
	    ".popsection\n")

HP_FIXUP(".hp_fixup_final", 0x1022, hp_quirk_a);
HP_FIXUP(".hp_fixup_final", 0x1022, hp_quirk_b);
