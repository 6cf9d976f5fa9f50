// SPDX-License-Identifier: GPL-2.0
/*
 * What every pass asks of a symbol or a section, answered once when the
 * object is read (and when an element is created or renamed), so no pass
 * recomputes it: a symbol's bare name (compiler numbering removed), the
 * links from a ".cold" part and a ".part.N" split to the function they
 * came from, and a section's
 * class (code, init code, constant data, data, per-cpu ...).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/*
 * "calls.12" -> "calls", "foo.constprop.0.isra.0" -> "foo.constprop.isra",
 * "foo.cold" -> "foo.cold", "__UNIQUE_ID_ddebug431" -> "__UNIQUE_ID_ddebug",
 * "__BTF_ID__struct__task_struct__493952" -> "__BTF_ID__struct__task_struct__"
 * (BTF_ID() pastes __COUNTER__ and __LINE__ into the name).  The compiler
 * renumbers all of these when something is added above them, so passes
 * pair them by this name.  A name with nothing removed is its own bare
 * name (no copy).
 */
int sym_set_bare_name(struct symbol *sym)
{
	const char *name = sym->name;
	size_t len = strlen(name), i = 0, o = 0;
	bool numbered = false;
	char *out;

	sym_free_bare_name(sym);
	out = malloc(len + 1);
	if (!out)
		return -ENOMEM;
	while (i < len) {
		if (name[i] == '.' && i > 0) {
			size_t j = i + 1;

			while (j < len && name[j] != '.')
				j++;
			if (all_digits(name + i + 1, j - i - 1)) {
				numbered = true;
				i = j;
				continue;
			}
		}
		out[o++] = name[i++];
	}
	out[o] = 0;
	if (!strncmp(name, "__UNIQUE_ID_", 12)) {
		while (o > 12 && isdigit((unsigned char)out[o - 1])) {
			out[--o] = 0;
			numbered = true;
		}
	} else if (!strncmp(name, "__BTF_ID__", 10)) {
		/* BTF_ID(): __BTF_ID__<kind>__<name>__<__COUNTER__><__LINE__> */
		size_t end = o;

		while (end > 10 && isdigit((unsigned char)out[end - 1]))
			end--;
		if (end < o && end >= 12 && out[end - 1] == '_' && out[end - 2] == '_') {
			out[end] = 0;
			numbered = true;
		}
	}
	sym->numbered = numbered;
	if (numbered) {
		sym->bare = out;
	} else {
		free(out);
		sym->bare = sym->name;
	}
	return 0;
}

void sym_free_bare_name(struct symbol *sym)
{
	if (sym->bare && sym->bare != sym->name)
		free(sym->bare);
	sym->bare = NULL;
	sym->numbered = false;
}

/*
 * foo.cold / foo.isra.0.cold -> foo / foo.isra.0 in the same object: gcc
 * moves the unlikely blocks of foo there; it is foo's code, entered only
 * from foo, and has no ftrace entry of its own.
 */
int obj_link_subfunctions(struct object *obj)
{
	struct symbol *sym;

	for_each_symbol(obj, sym) {
		size_t len = strlen(sym->name);
		const char *part = strstr(sym->name, ".part.");
		struct symbol *parent;
		char *pname;

		if (sym->type == STT_FUNC && part && part > sym->name) {
			pname = strndup(sym->name, part - sym->name);
			if (!pname)
				return -ENOMEM;
			parent = obj_find_symbol_by_name(obj, pname);
			free(pname);
			if (parent && parent->type == STT_FUNC)
				sym->split_from = parent;
		}
		if (sym->type != STT_FUNC || len < 6 || strcmp(sym->name + len - 5, ".cold"))
			continue;
		pname = strndup(sym->name, len - 5);
		if (!pname)
			return -ENOMEM;
		parent = obj_find_symbol_by_name(obj, pname);
		free(pname);
		if (parent && parent->type == STT_FUNC) {
			sym->parent = parent;
			parent->cold = sym;
		}
	}
	return 0;
}

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* From the name and flags; sections never change either behind elf/'s back. */
void sec_classify(struct section *sec)
{
	bool init = has_prefix(sec->name, ".init.") || has_prefix(sec->name, ".exit.") ||
		    has_prefix(sec->name, ".meminit.");
	bool text = sec->sh.sh_flags & SHF_EXECINSTR;

	/* written only by the loader's relocations */
	sec->readonly = !text && (!(sec->sh.sh_flags & SHF_WRITE) ||
				  has_prefix(sec->name, ".data.rel.ro") ||
				  has_prefix(sec->name, ".data..ro_after_init"));
	if (init)
		sec->class = text ? SEC_INIT_CODE : SEC_INIT_DATA;
	else if (text)
		sec->class = SEC_CODE;
	else if (has_prefix(sec->name, ".data..percpu"))
		sec->class = SEC_PERCPU;
	else if (has_prefix(sec->name, ".data..ro_after_init"))
		sec->class = SEC_RO_AFTER_INIT;
	else if (has_prefix(sec->name, ".data..read_mostly") ||
		 has_prefix(sec->name, ".data..cacheline") ||
		 has_prefix(sec->name, ".data.once") || has_prefix(sec->name, ".data..once"))
		sec->class = SEC_DATA;
	else if (sec->readonly)
		sec->class = SEC_CONST;
	else
		sec->class = SEC_DATA;
}

const char *sec_class_name(enum sec_class class)
{
	switch (class) {
	case SEC_CODE: return "code";
	case SEC_INIT_CODE: return "init code";
	case SEC_INIT_DATA: return "init data";
	case SEC_PERCPU: return "per-cpu data";
	case SEC_RO_AFTER_INIT: return "ro-after-init data";
	case SEC_CONST: return "constant data";
	case SEC_DATA: return "data";
	}
	return "data";
}
