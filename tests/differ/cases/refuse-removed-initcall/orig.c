/*
 * late_initcall(hp_late) dropped while hp_early's initcall stays in the same
 * .initcall6.init section: the kernel ran its initcalls at boot, so a live
 * patch cannot take one back.  Refused naming the removed hp_late, as
 * "removed" (the section is still there, with one entry fewer).  The entries
 * are plain pointers, as 6.1 writes them without PREL32 relocations.
 */
typedef int (*initcall_t)(void);

static int hp_state;

static int __attribute__((section(".init.text"), cold)) hp_early(void)
{
	hp_state = 1;
	return 0;
}
static int __attribute__((section(".init.text"), cold)) hp_late(void)
{
	hp_state = 2;
	return 0;
}
static initcall_t __initcall_hp_early6 __attribute__((used, section(".initcall6.init"))) = hp_early;
static initcall_t __initcall_hp_late6 __attribute__((used, section(".initcall6.init"))) = hp_late;

int hp_get(void)
{
	return hp_state;
}
