/*
 * BTF_ID_FLAGS(func, hp_acquire, KF_ACQUIRE) gains KF_TRUSTED_ARGS (0x1 -> 0x11)
 * in a kfunc set: the kernel reads the flags of the running image's set, which
 * resolve_btfids wrote at link time, so the patch cannot change them.  Refused
 * naming the entry.  The asm is what 6.12's BTF_SET8_START/BTF_ID_FLAGS write
 * in .BTF_ids (an 8-byte header, then each ID followed by its flags).
 */
asm(".pushsection .BTF_ids,\"a\"\n"
    ".local __BTF_ID__set8__hp_kfuncs\n"
    "__BTF_ID__set8__hp_kfuncs:;\n"
    ".zero 8\n"
    ".local __BTF_ID__func__hp_acquire__12\n"
    ".type __BTF_ID__func__hp_acquire__12, STT_OBJECT\n"
    ".size __BTF_ID__func__hp_acquire__12, 4\n"
    "__BTF_ID__func__hp_acquire__12:\n"
    ".zero 4\n"
    ".long 0x0001\n"
    ".size __BTF_ID__set8__hp_kfuncs, .-__BTF_ID__set8__hp_kfuncs\n"
    ".popsection\n");

int hp_acquire(int x)
{
	return x + 1;
}
