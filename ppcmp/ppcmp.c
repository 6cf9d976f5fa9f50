// SPDX-License-Identifier: GPL-2.0
/*
 * ppcmp.c - compare two preprocessed translation units (see ppcmp.h).
 *
 * Soundness rests on three things: the tokenizer splits C text as the
 * compiler does (maximal munch, literals whole, pp-numbers whole), so two
 * streams compared equal are the same program; a unit is judged harmless
 * only by an allow-list (function declarations, static inline definitions,
 * vetted attributes); and "unused" is checked against every token of every
 * other unit of both streams, string literals included (an alias or asm
 * naming the function).
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "ppcmp.h"

enum tok_kind { T_IDENT, T_NUMBER, T_STRING, T_PUNCT, T_DIRECTIVE, T_EOL };

struct tok {
	const char *s;
	unsigned int len;
	unsigned int line;	/* line of the preprocessed file, for messages */
	enum tok_kind kind;
};

struct unit {
	size_t first, n;
	uint64_t hash;
	bool changed;
};

struct stream {
	struct tok *t;
	size_t nt, tcap;
	struct unit *u;
	size_t nu, ucap;
};

static bool is_ident_start(int c)
{
	return isalpha(c) || c == '_' || c == '$';
}

static bool is_ident_char(int c)
{
	return isalnum(c) || c == '_' || c == '$';
}

/* Longest first: maximal munch, as the compiler reads them. */
static const char *const puncts[] = {
	"%:%:", "...", "<<=", ">>=", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=",
	"&&", "||", "*=", "/=", "%=", "+=", "-=", "&=", "^=", "|=", "##", "<:", ":>",
	"<%", "%>", "%:",
};

static int push_tok(struct stream *st, const char *s, size_t len, unsigned int line,
		    enum tok_kind kind)
{
	if (ARRAY_GROW(st->t, st->tcap, st->nt + 1))
		return -ENOMEM;
	st->t[st->nt++] = (struct tok){ s, (unsigned int)len, line, kind };
	return 0;
}

/* The end of the literal opened by the quote at @p (not past @end). */
static const char *skip_literal(const char *p, const char *end)
{
	char q = *p++;

	while (p < end && *p != q && *p != '\n') {
		if (*p == '\\' && p + 1 < end)
			p++;
		p++;
	}
	return p < end && *p == q ? p + 1 : p;
}

/*
 * Line markers ("# 12 "file" 1") and #line say where text came from, not
 * what it is: left out.  Every other directive (#pragma, #ident) is kept as
 * tokens ended by a T_EOL, so a changed pragma is a changed stream.
 */
static int tokenize(const char *p, size_t len, struct stream *st)
{
	const char *end = p + len;
	unsigned int line = 1;
	bool bol = true, in_dir = false;

	while (p < end) {
		const char *s = p;
		size_t i;

		if (*p == '\n') {
			if (in_dir && push_tok(st, p, 1, line, T_EOL))
				return -ENOMEM;
			in_dir = false;
			bol = true;
			line++;
			p++;
			continue;
		}
		if (isspace((unsigned char)*p)) {
			p++;
			continue;
		}
		if (*p == '\\' && p + 1 < end && p[1] == '\n') {
			p += 2;
			line++;
			continue;
		}
		if (*p == '/' && p + 1 < end && (p[1] == '*' || p[1] == '/')) {
			/* not in gcc -E output, but a comment is whitespace */
			if (p[1] == '/') {
				while (p < end && *p != '\n')
					p++;
			} else {
				for (p += 2; p + 1 < end && !(p[0] == '*' && p[1] == '/'); p++)
					line += *p == '\n';
				p = p + 1 < end ? p + 2 : end;
			}
			continue;
		}
		if (bol && *p == '#') {
			const char *q = p + 1;

			while (q < end && (*q == ' ' || *q == '\t'))
				q++;
			if (q < end && (isdigit((unsigned char)*q) ||
					(end - q > 4 && !strncmp(q, "line", 4) && !is_ident_char(q[4])))) {
				while (p < end && *p != '\n')
					p++;
				continue;
			}
			bol = false;
			in_dir = true;
			if (push_tok(st, p, 1, line, T_DIRECTIVE))
				return -ENOMEM;
			p++;
			continue;
		}
		bol = false;
		if (is_ident_start((unsigned char)*p)) {
			while (p < end && is_ident_char((unsigned char)*p))
				p++;
			/* L"", u8"", u'', U"": one literal */
			if (p < end && (*p == '"' || *p == '\'') &&
			    ((p - s == 1 && (*s == 'L' || *s == 'u' || *s == 'U')) ||
			     (p - s == 2 && s[0] == 'u' && s[1] == '8'))) {
				p = skip_literal(p, end);
				if (push_tok(st, s, p - s, line, T_STRING))
					return -ENOMEM;
				continue;
			}
			if (push_tok(st, s, p - s, line, T_IDENT))
				return -ENOMEM;
			continue;
		}
		if (isdigit((unsigned char)*p) ||
		    (*p == '.' && p + 1 < end && isdigit((unsigned char)p[1]))) {
			p++;
			while (p < end) {
				if (strchr("eEpP", *p) && p + 1 < end && (p[1] == '+' || p[1] == '-'))
					p += 2;
				else if (is_ident_char((unsigned char)*p) || *p == '.')
					p++;
				else
					break;
			}
			if (push_tok(st, s, p - s, line, T_NUMBER))
				return -ENOMEM;
			continue;
		}
		if (*p == '"' || *p == '\'') {
			p = skip_literal(p, end);
			if (push_tok(st, s, p - s, line, T_STRING))
				return -ENOMEM;
			continue;
		}
		for (i = 0; i < sizeof(puncts) / sizeof(puncts[0]); i++) {
			size_t n;

			if (puncts[i][0] != *p)
				continue;
			n = strlen(puncts[i]);
			if ((size_t)(end - p) >= n && !memcmp(p, puncts[i], n))
				break;
		}
		p += i < sizeof(puncts) / sizeof(puncts[0]) ? strlen(puncts[i]) : 1;
		if (push_tok(st, s, p - s, line, T_PUNCT))
			return -ENOMEM;
	}
	return 0;
}

static bool tok_is(const struct tok *t, const char *s)
{
	return t->len == strlen(s) && !memcmp(t->s, s, t->len);
}

static bool tok_eq(const struct tok *a, const struct tok *b)
{
	return a->len == b->len && a->kind == b->kind && !memcmp(a->s, b->s, a->len);
}

static uint64_t hash_toks(const struct tok *t, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < t[i].len; j++)
			h = (h ^ (unsigned char)t[i].s[j]) * 0x100000001b3ull;
		h = (h ^ 0x100) * 0x100000001b3ull;
	}
	return h;
}

static int push_unit(struct stream *st, size_t first, size_t end)
{
	if (end == first)
		return 0;
	if (ARRAY_GROW(st->u, st->ucap, st->nu + 1))
		return -ENOMEM;
	st->u[st->nu++] = (struct unit){ first, end - first, hash_toks(st->t + first, end - first),
					 false };
	return 0;
}

/*
 * Top-level units: a declaration ends at its depth-0 `;`, a function
 * definition at the `}` closing the body it opened after its parameters'
 * `)`; a directive standing between units is a unit of its own.  A
 * struct, union, enum or initializer brace block runs on to its `;`.
 */
static int split_units(struct stream *st)
{
	size_t i, first = 0;
	int depth = 0;
	bool body = false, dir = false;

	for (i = 0; i < st->nt; i++) {
		const struct tok *t = &st->t[i];

		if (t->kind == T_DIRECTIVE && i == first && depth == 0) {
			dir = true;
			continue;
		}
		if (dir) {
			if (t->kind == T_EOL) {
				if (push_unit(st, first, i + 1))
					return -ENOMEM;
				first = i + 1;
				dir = false;
			}
			continue;
		}
		if (t->kind != T_PUNCT)
			continue;
		if (tok_is(t, "(") || tok_is(t, "[") || tok_is(t, "{")) {
			if (tok_is(t, "{") && depth == 0 && i > first && tok_is(&st->t[i - 1], ")"))
				body = true;
			depth++;
		} else if (tok_is(t, ")") || tok_is(t, "]") || tok_is(t, "}")) {
			depth--;
			if (depth == 0 && body && tok_is(t, "}")) {
				if (push_unit(st, first, i + 1))
					return -ENOMEM;
				first = i + 1;
				body = false;
			}
		} else if (depth == 0 && tok_is(t, ";")) {
			if (push_unit(st, first, i + 1))
				return -ENOMEM;
			first = i + 1;
			body = false;
		}
	}
	return push_unit(st, first, st->nt);
}

/*
 * Attributes known to change no code when the function they are given to is
 * never called nor emitted: checking hints, inlining hints of a function
 * that is not emitted, instrumentation of code that does not exist.  Not
 * here, so refusing: alias, ifunc, weak, section, used, constructor,
 * destructor, visibility, copy, externally_visible, optimize, target, ...
 */
static const char *const vetted_attrs[] = {
	"format", "format_arg", "nonnull", "returns_nonnull", "warn_unused_result",
	"noreturn", "pure", "const", "malloc", "cold", "hot", "deprecated", "unused",
	"maybe_unused", "always_inline", "gnu_inline", "noinline", "no_instrument_function",
	"no_profile_instrument_function", "alloc_size", "alloc_align", "assume_aligned",
	"sentinel", "access", "leaf", "nothrow", "error", "warning", "no_sanitize_address",
	"no_address_safety_analysis", "no_sanitize_undefined", "no_sanitize", "nocf_check",
	"no_stack_protector", "flatten",
};

/*
 * Inside the body of a function that is not emitted: attributes of its
 * local declarations.  A static local placed in a section (WARN_ONCE's
 * .data.once flag) is not emitted either; "used" would force it out, so it
 * is not here.
 */
static const char *const body_attrs[] = {
	"section", "aligned", "packed", "designated_init", "nonstring", "cleanup", "mode",
	"fallthrough",
};

static bool in_list(const char *const *list, size_t nr, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (strlen(list[i]) == n && !memcmp(list[i], s, n))
			return true;
	return false;
}

static bool attr_vetted(const struct tok *t, bool in_body)
{
	const char *s = t->s;
	size_t n = t->len;

	if (n > 4 && !strncmp(s, "__", 2) && !strncmp(s + n - 2, "__", 2)) {
		s += 2;
		n -= 4;
	}
	return in_list(vetted_attrs, sizeof(vetted_attrs) / sizeof(vetted_attrs[0]), s, n) ||
	       (in_body && in_list(body_attrs, sizeof(body_attrs) / sizeof(body_attrs[0]), s, n));
}

static const char *const keywords[] = {
	"auto", "break", "case", "char", "const", "continue", "default", "do", "double",
	"else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long",
	"register", "restrict", "return", "short", "signed", "sizeof", "static", "struct",
	"switch", "typedef", "union", "unsigned", "void", "volatile", "while", "_Bool",
	"_Static_assert", "_Alignas", "_Alignof", "_Atomic", "_Generic", "_Noreturn",
	"_Thread_local", "__thread", "asm", "__asm", "__asm__", "__attribute", "__attribute__",
	"typeof", "__typeof", "__typeof__", "__inline", "__inline__", "__extension__",
	"__const", "__const__", "__volatile", "__volatile__", "__restrict", "__restrict__",
	"__signed__", "__alignof__", "__builtin_offsetof", "__int128", "_Pragma",
};

static bool is_keyword(const struct tok *t)
{
	size_t i;

	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (tok_is(t, keywords[i]))
			return true;
	return false;
}

/*
 * Names whose declaration the compiler itself reads (builtins it may emit
 * calls to, or fold): a changed declaration of one may change code that
 * never names it.
 */
static bool builtin_like(const struct tok *t)
{
	static const char *const prefixes[] = { "__builtin", "mem", "str", "__mem", "__str" };
	static const char *const names[] = { "abort", "abs", "labs", "bcmp", "bzero", "bcopy",
					     "sprintf", "snprintf", "printf", "exit", "ffs",
					     "__stack_chk_fail", "__fentry__", "alloca" };
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (t->len >= strlen(prefixes[i]) && !strncmp(t->s, prefixes[i], strlen(prefixes[i])))
			return true;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (tok_is(t, names[i]))
			return true;
	return false;
}

/* Index of the token closing the group opened at @i (@n when unbalanced). */
static size_t match(const struct tok *t, size_t i, size_t n)
{
	int depth = 0;

	for (; i < n; i++) {
		if (t[i].kind != T_PUNCT)
			continue;
		if (tok_is(&t[i], "(") || tok_is(&t[i], "[") || tok_is(&t[i], "{"))
			depth++;
		else if ((tok_is(&t[i], ")") || tok_is(&t[i], "]") || tok_is(&t[i], "}")) && !--depth)
			return i;
	}
	return n;
}

static void why(struct ppcmp_result *res, const struct tok *t, const char *fmt, const char *what)
{
	int n = snprintf(res->why, sizeof(res->why), "line %u: ", t->line);

	if (n > 0 && (size_t)n < sizeof(res->why))
		snprintf(res->why + n, sizeof(res->why) - n, fmt, what);
}

/*
 * Every __attribute__ of the unit names vetted attributes only (from
 * @body on, those of a function body too), and the unit holds no
 * directive: false (with the reason) else.
 */
static bool attrs_vetted(const struct tok *t, size_t n, size_t body, struct ppcmp_result *res)
{
	size_t i, j, close;
	int depth;
	bool want;

	for (i = 0; i < n; i++) {
		if (t[i].kind == T_DIRECTIVE || tok_is(&t[i], "_Pragma")) {
			why(res, &t[i], "%s", "a changed unit holds a pragma or directive");
			return false;
		}
		if (tok_is(&t[i], "[") && i + 1 < n && tok_is(&t[i + 1], "[")) {
			why(res, &t[i], "%s", "a changed unit holds a [[...]] attribute");
			return false;
		}
		if (!tok_is(&t[i], "__attribute__") && !tok_is(&t[i], "__attribute"))
			continue;
		if (i + 2 >= n || !tok_is(&t[i + 1], "(") || !tok_is(&t[i + 2], "(")) {
			why(res, &t[i], "%s", "an __attribute__ not followed by ((");
			return false;
		}
		close = match(t, i + 1, n);
		/* the names: first in the list, or after a comma of the list itself */
		for (j = i + 3, depth = 0, want = true; j + 1 < close; j++) {
			if (tok_is(&t[j], "(")) {
				depth++;
			} else if (tok_is(&t[j], ")")) {
				depth--;
			} else if (depth == 0 && tok_is(&t[j], ",")) {
				want = true;
			} else if (depth == 0 && want) {
				want = false;
				if (t[j].kind != T_IDENT || !attr_vetted(&t[j], j > body)) {
					char name[64];

					snprintf(name, sizeof(name), "%.*s", (int)t[j].len, t[j].s);
					why(res, &t[j], "attribute %s is not known to be neutral for an unused function", name);
					return false;
				}
			}
		}
		i = close;
	}
	return true;
}

/*
 * A function declaration without body, or a static inline function
 * definition: 0 with the declared name's token in *@name, or -1 with the
 * reason in @res.
 */
static int classify(const struct tok *t, size_t n, const struct tok **name,
		    struct ppcmp_result *res)
{
	bool is_static = false, is_inline = false, is_def;
	size_t i, close, body;

	if (!n)
		return -1;
	if (tok_is(&t[n - 1], "}"))
		is_def = true;
	else if (tok_is(&t[n - 1], ";"))
		is_def = false;
	else {
		why(res, &t[0], "%s", "a changed unit is not a declaration");
		return -1;
	}
	body = n;
	if (is_def) {
		int depth = 0;

		for (i = 0; i < n && body == n; i++) {
			if (tok_is(&t[i], "(") || tok_is(&t[i], "["))
				depth++;
			else if (tok_is(&t[i], ")") || tok_is(&t[i], "]"))
				depth--;
			else if (depth == 0 && tok_is(&t[i], "{"))
				body = i;
		}
	}
	if (!attrs_vetted(t, n, body, res))
		return -1;
	for (i = 0; i < n; i++) {
		if (tok_is(&t[i], "__attribute__") || tok_is(&t[i], "__attribute") ||
		    tok_is(&t[i], "typeof") || tok_is(&t[i], "__typeof") ||
		    tok_is(&t[i], "__typeof__")) {
			if (i + 1 >= n || !tok_is(&t[i + 1], "("))
				break;
			i = match(t, i + 1, n);
			continue;
		}
		if (tok_is(&t[i], "static"))
			is_static = true;
		else if (tok_is(&t[i], "inline") || tok_is(&t[i], "__inline") ||
			 tok_is(&t[i], "__inline__"))
			is_inline = true;
		else if (tok_is(&t[i], "typedef") || tok_is(&t[i], "asm") || tok_is(&t[i], "__asm") ||
			 tok_is(&t[i], "__asm__") || tok_is(&t[i], "register") ||
			 tok_is(&t[i], "_Thread_local") || tok_is(&t[i], "__thread") ||
			 tok_is(&t[i], "_Static_assert") || tok_is(&t[i], "_Alignas")) {
			why(res, &t[i], "a changed unit declares with %s", "a storage or asm keyword");
			return -1;
		}
		if (t[i].kind == T_PUNCT && !tok_is(&t[i], "*"))
			break;
	}
	if (i >= n || !tok_is(&t[i], "(") || i == 0 || t[i - 1].kind != T_IDENT ||
	    is_keyword(&t[i - 1])) {
		why(res, &t[i < n ? i : 0], "%s", "a changed unit is not a function declaration (a type, a variable, an initializer?)");
		return -1;
	}
	*name = &t[i - 1];
	if (builtin_like(*name)) {
		why(res, *name, "%s", "a changed declaration of a name the compiler may know as a builtin");
		return -1;
	}
	close = match(t, i, n);
	for (i = close + 1; i < n; i++) {
		if (tok_is(&t[i], "__attribute__") || tok_is(&t[i], "__attribute")) {
			i = match(t, i + 1, n);
			continue;
		}
		break;
	}
	if (!is_def) {
		size_t k;

		if (i != n - 1) {
			why(res, &t[i < n ? i : 0], "%s", "a changed declaration is not one function declarator");
			return -1;
		}
		for (k = 0; k < n; k++)
			if (tok_is(&t[k], "=") || tok_is(&t[k], "{")) {
				why(res, &t[k], "%s", "a changed declaration holds an = or a {");
				return -1;
			}
		return 0;
	}
	if (i >= n || !tok_is(&t[i], "{") || match(t, i, n) != n - 1) {
		why(res, &t[i < n ? i : 0], "%s", "a changed definition is not one function body");
		return -1;
	}
	if (!is_static || !is_inline) {
		why(res, *name, "%s", "a changed function definition is not static inline");
		return -1;
	}
	return 0;
}

static bool unit_eq(const struct stream *a, const struct unit *ua, const struct stream *b,
		    const struct unit *ub)
{
	size_t i;

	if (ua->n != ub->n)
		return false;
	for (i = 0; i < ua->n; i++)
		if (!tok_eq(&a->t[ua->first + i], &b->t[ub->first + i]))
			return false;
	return true;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

static size_t count_of(const uint64_t *v, size_t n, uint64_t h)
{
	size_t lo = 0, hi = n, first;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	while (lo < n && v[lo] == h)
		lo++;
	return lo - first;
}

static uint64_t *sorted_hashes(const struct stream *st)
{
	uint64_t *v = malloc((st->nu + 1) * sizeof(*v));
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < st->nu; i++)
		v[i] = st->u[i].hash;
	qsort(v, st->nu, sizeof(*v), cmp_u64);
	return v;
}

/* Does a string literal mention @name as a word (an alias target, an asm call)? */
static bool string_names(const struct tok *s, const struct tok *name)
{
	const char *p = s->s, *end = s->s + s->len;

	for (; p + name->len <= end; p++) {
		if (memcmp(p, name->s, name->len))
			continue;
		if ((p == s->s || !is_ident_char((unsigned char)p[-1])) &&
		    (p + name->len == end || !is_ident_char((unsigned char)p[name->len])))
			return true;
	}
	return false;
}

struct decl {
	const struct stream *st;
	const struct unit *u;
	const struct tok *name;
};

/* Is @name (declared by changed units) found in a unit that is not one of its declarations? */
static const struct tok *used_elsewhere(const struct stream *sts[2], const struct decl *d,
					size_t nd, const struct tok *name)
{
	size_t s, ui, i, k;

	for (s = 0; s < 2; s++) {
		const struct stream *st = sts[s];

		for (ui = 0; ui < st->nu; ui++) {
			const struct unit *u = &st->u[ui];
			bool own = false;

			for (k = 0; k < nd; k++)
				if (d[k].u == u && tok_eq(d[k].name, name))
					own = true;
			if (own)
				continue;
			for (i = u->first; i < u->first + u->n; i++) {
				const struct tok *t = &st->t[i];

				if ((t->kind == T_IDENT && tok_eq(t, name)) ||
				    (t->kind == T_STRING && string_names(t, name)))
					return t;
			}
		}
	}
	return NULL;
}

static int compare_units(struct stream *a, struct stream *b, struct ppcmp_result *res)
{
	const struct stream *sts[2] = { a, b };
	uint64_t *ha = sorted_hashes(a), *hb = sorted_hashes(b);
	struct decl *d = NULL;
	size_t nd = 0, dcap = 0, i, j, s;
	int ret = -ENOMEM;

	if (!ha || !hb)
		goto out;
	for (i = 0; i < a->nu; i++)
		a->u[i].changed = count_of(ha, a->nu, a->u[i].hash) != count_of(hb, b->nu, a->u[i].hash);
	for (i = 0; i < b->nu; i++)
		b->u[i].changed = count_of(ha, a->nu, b->u[i].hash) != count_of(hb, b->nu, b->u[i].hash);
	/* the unchanged units, in order, are the same text on both sides */
	for (i = j = 0;; i++, j++) {
		while (i < a->nu && a->u[i].changed)
			i++;
		while (j < b->nu && b->u[j].changed)
			j++;
		if (i == a->nu || j == b->nu) {
			if (i != a->nu || j != b->nu) {
				res->verdict = PPCMP_DIFFERS;
				snprintf(res->why, sizeof(res->why), "units differ in number");
				ret = 0;
				goto out;
			}
			break;
		}
		if (!unit_eq(a, &a->u[i], b, &b->u[j])) {
			res->verdict = PPCMP_DIFFERS;
			why(res, &b->t[b->u[j].first], "%s", "unchanged units are in another order");
			ret = 0;
			goto out;
		}
	}
	for (s = 0; s < 2; s++) {
		const struct stream *st = sts[s];

		for (i = 0; i < st->nu; i++) {
			const struct tok *name;

			if (!st->u[i].changed)
				continue;
			if (classify(st->t + st->u[i].first, st->u[i].n, &name, res)) {
				res->verdict = PPCMP_DIFFERS;
				if (s == 0) {
					size_t n = strlen(res->why);

					snprintf(res->why + n, sizeof(res->why) - n, " (original side)");
				}
				ret = 0;
				goto out;
			}
			if (ARRAY_GROW(d, dcap, nd + 1))
				goto out;
			d[nd++] = (struct decl){ st, &st->u[i], name };
		}
	}
	res->verdict = PPCMP_UNUSED;
	res->why[0] = '\0';
	for (i = 0; i < nd; i++) {
		const struct tok *use = used_elsewhere(sts, d, nd, d[i].name);
		size_t n = strlen(res->why);

		if (use) {
			char nm[128];

			res->verdict = PPCMP_DIFFERS;
			snprintf(nm, sizeof(nm), "%.*s", (int)d[i].name->len, d[i].name->s);
			why(res, use, "%s, changed, is used", nm);
			break;
		}
		for (j = 0; j < i; j++)
			if (tok_eq(d[j].name, d[i].name))
				break;
		if (j == i && n + d[i].name->len + 2 < sizeof(res->why))
			snprintf(res->why + n, sizeof(res->why) - n, "%s%.*s", n ? " " : "",
				 (int)d[i].name->len, d[i].name->s);
	}
	ret = 0;
out:
	free(ha);
	free(hb);
	free(d);
	return ret;
}

int ppcmp_compare(const char *a, size_t alen, const char *b, size_t blen,
		  struct ppcmp_result *res)
{
	struct stream sa = { 0 }, sb = { 0 };
	size_t i;
	int ret;

	memset(res, 0, sizeof(*res));
	ret = tokenize(a, alen, &sa);
	if (!ret)
		ret = tokenize(b, blen, &sb);
	if (ret)
		goto out;
	for (i = 0; i < sa.nt && i < sb.nt; i++)
		if (!tok_eq(&sa.t[i], &sb.t[i]))
			break;
	if (i == sa.nt && i == sb.nt) {
		res->verdict = PPCMP_IDENTICAL;
		goto out;
	}
	ret = split_units(&sa);
	if (!ret)
		ret = split_units(&sb);
	if (!ret)
		ret = compare_units(&sa, &sb, res);
out:
	free(sa.t);
	free(sa.u);
	free(sb.t);
	free(sb.u);
	return ret;
}
