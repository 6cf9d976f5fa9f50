/*
 * A switch that returns constants: with -fno-jump-tables (the kernel's) gcc's
 * switch conversion still turns it into a lookup table, CSWTCH.N, and the
 * code only indexes it.  One case value changes (8 -> 9): the function's
 * bytes stay the same, the table differs.  CSWTCH was an always-safe special
 * static whose changes were ignored, so the run said "no functional change";
 * the table is part of its reader, which is patched and carries the new one.
 */
int hp_map(int x)
{
	switch (x) {
	case 0: return 17;
	case 1: return 4;
	case 2: return 91;
	case 3: return 8;
	case 4: return 250;
	case 5: return 3;
	default: return -1;
	}
}
