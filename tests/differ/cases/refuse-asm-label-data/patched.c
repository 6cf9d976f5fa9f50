/*
 * Assembly data behind a label without .type/.size changes its value (1 -> 2):
 * compare judges only functions and objects, so nothing looked at it and the
 * run said "no functional change" while every reader of hp_val would see the
 * old value.  Refused naming the label.
 */
extern int hp_val;
asm(".pushsection .data.hp_val, \"aw\"\n"
    ".globl hp_val\n"
    "hp_val: .long 2\n"
    ".popsection\n");

int hp_get(void)
{
	return hp_val;
}
