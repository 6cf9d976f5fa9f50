/*
 * BTF_ID(func, hp_mmap) added to the set hp_deny: resolve_btfids fills the
 * set when vmlinux is linked, so the running kernel's set can never hold it;
 * the patch would carry zeros nobody reads.  Refused naming the new ID.
 * The asm is what 6.1's BTF_SET_START/BTF_ID/BTF_SET_END write in .BTF_ids
 * (symbols __BTF_ID__<kind>__<name>__<__COUNTER__><__LINE__>, zeros that
 * resolve_btfids fills when vmlinux or the module is linked).
 */
struct btf_id_set {
	unsigned int cnt;
	unsigned int ids[];
};
extern struct btf_id_set hp_deny;

asm(".pushsection .BTF_ids,\"a\"\n"
    ".local hp_deny\n"
    "hp_deny:;\n"
    ".local __BTF_ID__set__hp_deny\n"
    "__BTF_ID__set__hp_deny:;\n"
    ".zero 4\n"
    ".local __BTF_ID__func__hp_open__1230\n"
    ".type __BTF_ID__func__hp_open__1230, STT_OBJECT\n"
    ".size __BTF_ID__func__hp_open__1230, 4\n"
    "__BTF_ID__func__hp_open__1230:\n"
    ".zero 4\n"
    ".local __BTF_ID__func__hp_read__2231\n"
    ".type __BTF_ID__func__hp_read__2231, STT_OBJECT\n"
    ".size __BTF_ID__func__hp_read__2231, 4\n"
    "__BTF_ID__func__hp_read__2231:\n"
    ".zero 4\n"
    ".local __BTF_ID__func__hp_mmap__3232\n"
    ".type __BTF_ID__func__hp_mmap__3232, STT_OBJECT\n"
    ".size __BTF_ID__func__hp_mmap__3232, 4\n"
    "__BTF_ID__func__hp_mmap__3232:\n"
    ".zero 4\n"
    ".size __BTF_ID__set__hp_deny, .-hp_deny\n"
    ".popsection\n");

int hp_denied(unsigned int id)
{
	unsigned int i;

	for (i = 0; i < hp_deny.cnt; i++)
		if (hp_deny.ids[i] == id)
			return 1;
	return 0;
}
