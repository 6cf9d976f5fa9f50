/*
 * A whole asm table goes (the fix drops the object's only
 * DECLARE_PCI_FIXUP_RESUME): the section is only in ORIG and nothing in
 * the object read it; the running kernel keeps walking its entry, so the
 * fix is refused (was: "no functional change"; the first landing of the
 * refusal crashed here, refuse_table reading the missing PATCHED side).
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
HP_FIXUP(".hp_fixup_resume", 0x1022, hp_quirk_b);
