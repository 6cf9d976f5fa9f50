// SPDX-License-Identifier: GPL-2.0
/*
 * Address -> compilation unit for the dbg vmlinux, with libdwarf.
 *
 * Code: .debug_aranges lists every CU's address ranges, which also cover
 * the out-of-line clones (.isra, .constprop, .part) that have no DIE name
 * of their own.  Data: aranges cover code only, so we walk each CU for
 * variables with static storage (DW_OP_addr locations), at file scope and
 * inside functions (function-local statics, symbol "name.N").
 *
 * Types: the layouts of the structs that describe special-section entries
 * (symidx_layout_structs: bug_entry, alt_instr, jump_entry ...), size and
 * members, from their first complete definition: the differ sizes and
 * reads those sections by the target's own layout, never another kernel's.
 *
 * The file carries .rela.debug_* (linked with --emit-relocs).  For an
 * ET_EXEC libdwarf does not apply them, and must not: the DWARF already
 * holds final addresses.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dwarf.h>
#include <libdwarf.h>

#include "array.h"
#include "log.h"
#include "build.h"

struct walk {
	Dwarf_Debug dbg;
	const char *path;
	struct cumap *map;
	size_t alloc_vars, alloc_names;
	struct cu_off { Dwarf_Off off; uint32_t cu; } *offs;
	size_t nr_offs, alloc_offs;
	size_t alloc_layouts;
	unsigned int layouts_done;	/* bit per symidx_layout_structs[] entry */
	Dwarf_Half addr_size;		/* of the current CU: a pointer's size */
};

static int dw_fail(struct walk *w, const char *what, Dwarf_Error err)
{
	pr_err("%s: DWARF: %s: %s", w->path, what, err ? dwarf_errmsg(err) : "failed");
	if (err)
		dwarf_dealloc_error(w->dbg, err);
	return -EINVAL;
}

const char *cu_relative(const char *name, const char *comp_dir)
{
	size_t n = comp_dir ? strlen(comp_dir) : 0;

	if (n && !strncmp(name, comp_dir, n) && name[n] == '/')
		name += n + 1;
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	return name;
}

static int add_var(struct walk *w, Dwarf_Die die, uint32_t cu)
{
	Dwarf_Attribute attr;
	Dwarf_Error err = NULL;
	Dwarf_Unsigned len;
	Dwarf_Half form;
	Dwarf_Ptr ptr;
	uint64_t addr;
	int res, ret = 0;

	res = dwarf_attr(die, DW_AT_location, &attr, &err);
	if (res == DW_DLV_ERROR)
		return dw_fail(w, "DW_AT_location", err);
	if (res == DW_DLV_NO_ENTRY)
		return 0;
	if (dwarf_whatform(attr, &form, &err) == DW_DLV_OK && form == DW_FORM_exprloc &&
	    dwarf_formexprloc(attr, &len, &ptr, &err) == DW_DLV_OK &&
	    len == 9 && ((unsigned char *)ptr)[0] == DW_OP_addr) {
		memcpy(&addr, (unsigned char *)ptr + 1, 8);	/* little-endian host */
		if (ARRAY_GROW(w->map->vars, w->alloc_vars, w->map->nr_vars + 1))
			ret = -ENOMEM;
		else
			w->map->vars[w->map->nr_vars++] = (struct cu_var){ addr, cu };
	}
	if (err)
		dwarf_dealloc_error(w->dbg, err);
	dwarf_dealloc_attribute(attr);
	return ret;
}

/* Variables with static storage below @parent: file scope and function scope. */
static int add_layout(struct walk *w, const char *name, uint64_t off, uint64_t size)
{
	struct cumap *m = w->map;

	if (ARRAY_GROW(m->layouts, w->alloc_layouts, m->nr_layouts + 1))
		return -ENOMEM;
	m->layouts[m->nr_layouts].name = strdup(name);
	if (!m->layouts[m->nr_layouts].name)
		return -ENOMEM;
	m->layouts[m->nr_layouts].off = off;
	m->layouts[m->nr_layouts++].size = size;
	return 0;
}

static bool die_udata(Dwarf_Die die, Dwarf_Half at, Dwarf_Unsigned *val)
{
	Dwarf_Attribute attr;
	Dwarf_Error err = NULL;
	bool ok;

	if (dwarf_attr(die, at, &attr, &err) != DW_DLV_OK)
		return false;
	ok = dwarf_formudata(attr, val, &err) == DW_DLV_OK;
	dwarf_dealloc_attribute(attr);
	return ok;
}

/* The byte size of a member's type, through typedefs and qualifiers; 0 when unknown. */
static uint64_t type_size(struct walk *w, Dwarf_Die die)
{
	Dwarf_Unsigned size = 0;
	Dwarf_Die cur = die, next;
	Dwarf_Attribute attr;
	Dwarf_Error err = NULL;
	Dwarf_Off off;
	int depth;

	for (depth = 0; depth < 8; depth++) {
		bool found;

		Dwarf_Half tag;

		if (depth && die_udata(cur, DW_AT_byte_size, &size))
			break;
		if (depth && dwarf_tag(cur, &tag, &err) == DW_DLV_OK &&
		    tag == DW_TAG_pointer_type) {
			size = w->addr_size;	/* gcc gives pointers no byte size */
			break;
		}
		found = dwarf_attr(cur, DW_AT_type, &attr, &err) == DW_DLV_OK;
		if (found) {
			found = dwarf_global_formref(attr, &off, &err) == DW_DLV_OK;
			dwarf_dealloc_attribute(attr);
		}
		if (!found || dwarf_offdie_b(w->dbg, off, true, &next, &err) != DW_DLV_OK)
			break;
		if (cur != die)
			dwarf_dealloc_die(cur);
		cur = next;
	}
	if (cur != die)
		dwarf_dealloc_die(cur);
	return size;
}

/* A struct of symidx_layout_structs: its size and its members' offsets and sizes. */
static int add_struct(struct walk *w, Dwarf_Die die)
{
	Dwarf_Unsigned size, off;
	Dwarf_Error err = NULL;
	Dwarf_Die child, next;
	Dwarf_Half tag;
	char *name = NULL;
	unsigned int i;
	int res, ret;

	if (dwarf_diename(die, &name, &err) != DW_DLV_OK || !name)
		return 0;
	for (i = 0; symidx_layout_structs[i]; i++)
		if (!strcmp(name, symidx_layout_structs[i]))
			break;
	if (!symidx_layout_structs[i] || (w->layouts_done & (1u << i)) ||
	    !die_udata(die, DW_AT_byte_size, &size))
		return 0;	/* not wanted, seen, or only declared */
	w->layouts_done |= 1u << i;
	ret = add_layout(w, name, 0, size);
	res = dwarf_child(die, &child, &err);
	while (!ret && res == DW_DLV_OK) {
		char *mname = NULL;

		if (dwarf_tag(child, &tag, &err) == DW_DLV_OK && tag == DW_TAG_member &&
		    dwarf_diename(child, &mname, &err) == DW_DLV_OK && mname &&
		    die_udata(child, DW_AT_data_member_location, &off)) {
			char *full;

			if (asprintf(&full, "%s.%s", name, mname) < 0) {
				ret = -ENOMEM;
			} else {
				ret = add_layout(w, full, off, type_size(w, child));
				free(full);
			}
		}
		res = dwarf_siblingof_b(w->dbg, child, true, &next, &err);
		dwarf_dealloc_die(child);
		child = next;
	}
	if (!ret && res == DW_DLV_ERROR)
		return dw_fail(w, "struct members", err);
	return ret;
}

static int walk_children(struct walk *w, Dwarf_Die parent, uint32_t cu)
{
	Dwarf_Error err = NULL;
	Dwarf_Die child, next;
	Dwarf_Half tag;
	int res, ret = 0;

	res = dwarf_child(parent, &child, &err);
	if (res == DW_DLV_ERROR)
		return dw_fail(w, "dwarf_child", err);
	while (res == DW_DLV_OK) {
		if (dwarf_tag(child, &tag, &err) != DW_DLV_OK) {
			ret = dw_fail(w, "dwarf_tag", err);
		} else if (tag == DW_TAG_variable) {
			ret = add_var(w, child, cu);
		} else if (tag == DW_TAG_subprogram || tag == DW_TAG_lexical_block) {
			ret = walk_children(w, child, cu);
		} else if (tag == DW_TAG_structure_type) {
			ret = add_struct(w, child);
		}
		if (ret) {
			dwarf_dealloc_die(child);
			return ret;
		}
		res = dwarf_siblingof_b(w->dbg, child, true, &next, &err);
		dwarf_dealloc_die(child);
		child = next;
	}
	if (res == DW_DLV_ERROR)
		return dw_fail(w, "dwarf_siblingof", err);
	return 0;
}

static int cu_string_attr(struct walk *w, Dwarf_Die die, Dwarf_Half at, char **out)
{
	Dwarf_Attribute attr;
	Dwarf_Error err = NULL;
	char *s;
	int res;

	*out = NULL;
	res = dwarf_attr(die, at, &attr, &err);
	if (res == DW_DLV_ERROR)
		return dw_fail(w, "CU attribute", err);
	if (res == DW_DLV_NO_ENTRY)
		return 0;
	res = dwarf_formstring(attr, &s, &err);
	dwarf_dealloc_attribute(attr);
	if (res == DW_DLV_ERROR)
		return dw_fail(w, "CU string attribute", err);
	if (res == DW_DLV_OK)
		*out = s;
	return 0;
}

static int walk_cus(struct walk *w)
{
	struct cumap *m = w->map;
	Dwarf_Unsigned hdr_len, abbrev_off, typeoff, next_off;
	Dwarf_Half version, addr_size, off_size, ext_size, cu_type;
	Dwarf_Error err = NULL;
	Dwarf_Sig8 sig;
	Dwarf_Die cudie;
	Dwarf_Off off;
	int res, ret;

	for (;;) {
		char *name, *comp_dir;
		uint32_t cu;

		res = dwarf_next_cu_header_d(w->dbg, true, &hdr_len, &version, &abbrev_off,
					     &addr_size, &off_size, &ext_size, &sig,
					     &typeoff, &next_off, &cu_type, &err);
		if (res == DW_DLV_NO_ENTRY)
			return 0;
		if (res == DW_DLV_ERROR)
			return dw_fail(w, "reading CU header", err);
		w->addr_size = addr_size;
		res = dwarf_siblingof_b(w->dbg, NULL, true, &cudie, &err);
		if (res == DW_DLV_ERROR)
			return dw_fail(w, "reading CU DIE", err);
		if (res == DW_DLV_NO_ENTRY)
			continue;
		if (dwarf_dieoffset(cudie, &off, &err) != DW_DLV_OK) {
			dwarf_dealloc_die(cudie);
			return dw_fail(w, "CU DIE offset", err);
		}
		ret = cu_string_attr(w, cudie, DW_AT_name, &name);
		if (!ret)
			ret = cu_string_attr(w, cudie, DW_AT_comp_dir, &comp_dir);
		if (!ret && (ARRAY_GROW(m->names, w->alloc_names, m->nr_names + 1) ||
			     ARRAY_GROW(w->offs, w->alloc_offs, w->nr_offs + 1) ||
			     !(m->names[m->nr_names] = strdup(name ? cu_relative(name, comp_dir) : ""))))
			ret = -ENOMEM;
		if (!ret) {
			cu = m->nr_names++;
			w->offs[w->nr_offs++] = (struct cu_off){ off, cu };
			ret = walk_children(w, cudie, cu);
		}
		dwarf_dealloc_die(cudie);
		if (ret)
			return ret;
	}
}

static int cmp_off(const void *a, const void *b)
{
	const struct cu_off *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

static int cmp_range(const void *a, const void *b)
{
	const struct cu_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int cmp_var(const void *a, const void *b)
{
	const struct cu_var *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->cu < y->cu ? -1 : x->cu > y->cu;
}

static int read_aranges(struct walk *w)
{
	struct cumap *m = w->map;
	Dwarf_Arange *ar = NULL;
	Dwarf_Signed count = 0, i;
	Dwarf_Error err = NULL;
	int res, ret = 0;

	res = dwarf_get_aranges(w->dbg, &ar, &count, &err);
	if (res == DW_DLV_ERROR)
		return dw_fail(w, "reading .debug_aranges", err);
	if (res == DW_DLV_NO_ENTRY) {
		pr_warn("%s: no .debug_aranges: functions will have no CU", w->path);
		return 0;
	}
	if (w->nr_offs)
		qsort(w->offs, w->nr_offs, sizeof(*w->offs), cmp_off);
	m->ranges = calloc(count ? count : 1, sizeof(*m->ranges));
	if (!m->ranges)
		ret = -ENOMEM;
	for (i = 0; !ret && i < count; i++) {
		Dwarf_Unsigned seg, seglen, len;
		Dwarf_Addr start;
		Dwarf_Off cuoff;
		struct cu_off key, *found;

		if (dwarf_get_arange_info_b(ar[i], &seg, &seglen, &start, &len, &cuoff,
					    &err) != DW_DLV_OK) {
			ret = dw_fail(w, "reading an arange", err);
			break;
		}
		/* ranges of code the linker discarded start at 0 */
		if (!start || !len)
			continue;
		key.off = cuoff;
		found = !w->nr_offs ? NULL : bsearch(&key, w->offs, w->nr_offs, sizeof(key), cmp_off);
		if (!found)
			continue;
		m->ranges[m->nr_ranges++] = (struct cu_range){ start, start + len, found->cu };
	}
	for (i = 0; i < count; i++)
		dwarf_dealloc(w->dbg, ar[i], DW_DLA_ARANGE);
	dwarf_dealloc(w->dbg, ar, DW_DLA_LIST);
	if (m->nr_ranges)
		qsort(m->ranges, m->nr_ranges, sizeof(*m->ranges), cmp_range);
	return ret;
}

int cumap_build(const char *path, struct cumap *map)
{
	struct walk w = { .path = path, .map = map };
	Dwarf_Error err = NULL;
	int res, ret;

	memset(map, 0, sizeof(*map));
	res = dwarf_init_path(path, NULL, 0, DW_DLC_READ, DW_GROUPNUMBER_ANY, NULL, NULL,
			      &w.dbg, NULL, 0, NULL, &err);
	if (res == DW_DLV_NO_ENTRY) {
		pr_err("%s: no DWARF debug info; pass the vmlinux of the -dbg package", path);
		return -ENOENT;
	}
	if (res != DW_DLV_OK) {
		pr_err("%s: cannot read DWARF: %s", path, err ? dwarf_errmsg(err) : "failed");
		return -EINVAL;
	}
	ret = walk_cus(&w);
	if (!ret)
		ret = read_aranges(&w);
	dwarf_finish(w.dbg, &err);
	free(w.offs);
	if (ret) {
		cumap_free(map);
		return ret;
	}
	if (map->nr_vars)
		qsort(map->vars, map->nr_vars, sizeof(*map->vars), cmp_var);
	return 0;
}

void cumap_free(struct cumap *map)
{
	size_t i;

	for (i = 0; i < map->nr_names; i++)
		free(map->names[i]);
	free(map->names);
	free(map->ranges);
	free(map->vars);
	for (i = 0; i < map->nr_layouts; i++)
		free(map->layouts[i].name);
	free(map->layouts);
	memset(map, 0, sizeof(*map));
}

static int cmp_var_addr(const void *key, const void *elem)
{
	uint64_t a = *(const uint64_t *)key, b = ((const struct cu_var *)elem)->addr;

	return a < b ? -1 : a > b;
}

static uint32_t var_cu(const struct cumap *m, uint64_t addr)
{
	size_t n, i;
	const struct cu_var *v = sorted_find(&addr, m->vars, m->nr_vars, sizeof(*m->vars),
					     cmp_var_addr, &n);

	if (!v)
		return CU_NONE;
	for (i = 1; i < n; i++)
		if (v[i].cu != v[0].cu)
			return CU_AMBIGUOUS;
	return v[0].cu;
}

static int cmp_range_lo(const void *key, const void *elem)
{
	uint64_t a = *(const uint64_t *)key, b = ((const struct cu_range *)elem)->lo;

	return a < b ? -1 : a > b;
}

static uint32_t range_cu(const struct cumap *m, uint64_t addr)
{
	/* the last range starting at or below addr */
	size_t i = sorted_upper_bound(&addr, m->ranges, m->nr_ranges, sizeof(*m->ranges),
				      cmp_range_lo);

	if (!i || addr >= m->ranges[i - 1].hi)
		return CU_NONE;
	return m->ranges[i - 1].cu;
}

const char *cumap_lookup(const struct cumap *m, uint64_t addr, unsigned char type)
{
	uint32_t cu = CU_NONE;

	(void)type;
	if (m->nr_vars)
		cu = var_cu(m, addr);
	if (cu == CU_NONE)
		cu = range_cu(m, addr);
	return cu < m->nr_names ? m->names[cu] : "";
}
