/*
 * __init code that differs only in what a line shift renames is unchanged:
 * BTF_ID() names its .BTF_ids slot __BTF_ID__<kind>__<name>__<__COUNTER__><__LINE__>,
 * and __might_sleep() takes __LINE__.  Only the fixed function is changed.
 */
extern void __might_sleep(const char *file, int line);
extern int register_thing(unsigned int id);

#define ___PASTE(a, b) a##b
#define __PASTE(a, b) ___PASTE(a, b)
#define __ID(prefix) __PASTE(__PASTE(prefix, __COUNTER__), __LINE__)
#define ____BTF_ID(symbol)						\
	asm(".pushsection .BTF_ids,\"a\";\n"				\
	    ".local " #symbol ";\n"					\
	    ".type " #symbol ", STT_OBJECT;\n"				\
	    ".size " #symbol ", 4;\n"					\
	    #symbol ":\n"						\
	    ".zero 4\n"							\
	    ".popsection;\n");
#define __BTF_ID(symbol) ____BTF_ID(symbol)
#define BTF_ID(prefix, name) __BTF_ID(__ID(__BTF_ID__##prefix##__##name##__))
#define BTF_ID_LIST(name)						\
	asm(".pushsection .BTF_ids,\"a\";\n"				\
	    ".local " #name ";\n"					\
	    #name ":;\n"						\
	    ".popsection;\n");						\
	extern unsigned int name[];

int fixed(int x)
{
	return x + 1;
}

BTF_ID_LIST(thing_ids)
BTF_ID(struct, thing)

__attribute__((__section__(".init.text"), cold)) int setup_thing(void)
{
	__might_sleep(__FILE__, __LINE__);
	return register_thing(thing_ids[0]);
}
