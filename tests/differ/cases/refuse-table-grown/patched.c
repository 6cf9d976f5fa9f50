/*
 * An asm table entry (a DECLARE_PCI_FIXUP_FINAL on x86) is added, a hook
 * already in the table extended to another device: the
 * section has no symbols and nothing in the object reads it; the kernel
 * walks it through linker-made bounds.  The running kernel's table cannot
 * grow, so the fix is refused (it was "changed" with nothing to patch, or,
 * next to a changed function, a module silently lacking the new entry).
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
HP_FIXUP(".hp_fixup_final", 0x1002, hp_quirk_a);
