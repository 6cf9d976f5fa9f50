/*
 * A static constant that only replacement code (.altinstr_replacement, a
 * special section) reads changes (2 -> 3).  No function or data names it, so
 * it looked "referenced by nothing" and the run said "no functional change";
 * what reads it is carried by no function, so the change is refused (exit
 * 2), naming the constant and the section that reads it.
 */
static const int hp_tbl[2] __attribute__((used)) = { 1, 3 };

asm(".pushsection .altinstr_replacement, \"ax\"\n"
    "	movl hp_tbl+4(%rip), %eax\n"
    ".popsection\n");

int hp_plain(int x)
{
	return x + 1;
}
