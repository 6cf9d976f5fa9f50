/*
 * An .altinstructions entry whose replacement length (200) runs past
 * .altinstr_replacement (one byte), the same in both objects, in __init code
 * whose bytes do not change.  The entry cannot be compared; that was taken
 * for "changed", so the function was refused as changed __init code (exit
 * 2).  An entry the differ cannot read is an error naming it (exit 1).
 */
__attribute__((section(".init.text"))) int hp_setup(int x)
{
	asm volatile("661:\n\tnop\n662:\n"
		     ".pushsection .altinstructions, \"a\"\n"
		     "\t.long 661b - .\n\t.long 663f - .\n\t.word 0x1234\n"
		     "\t.byte 662b - 661b\n\t.byte 200\n"
		     ".popsection\n"
		     ".pushsection .altinstr_replacement, \"ax\"\n663:\n\tnop\n"
		     ".popsection\n");
	return x + 1;
}

int hp_plain(int x)
{
	return x + 2;
}
