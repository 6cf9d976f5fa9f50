/* A variable that becomes const moves from data to constant data: exit 2. */
const int table[4] = { 1, 2, 3, 4 };

int lookup(int i)
{
	return table[i & 3];
}
