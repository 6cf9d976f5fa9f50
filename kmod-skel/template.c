// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "log.h"
#include "strbuf.h"
#include "template.h"

int expand_template(const char *tmpl, const struct subst *subst, const char *dst)
{
	struct sbuf out = { 0 };
	char *text;
	const char *p, *at;
	int ret = read_whole_file(tmpl, &text, NULL);

	if (ret)
		return ret;
	for (p = text; (at = strchr(p, '@')); ) {
		const char *end = at + 1;
		const struct subst *s;

		while (isupper((unsigned char)*end) || *end == '_')
			end++;
		sbuf_printf(&out, "%.*s", (int)(at - p), p);
		if (*end != '@' || end == at + 1) {
			sbuf_printf(&out, "@");
			p = at + 1;
			continue;
		}
		for (s = subst; s->key; s++) {
			if (strlen(s->key) == (size_t)(end - at - 1) &&
			    !strncmp(s->key, at + 1, end - at - 1))
				break;
		}
		if (!s->key) {
			pr_err("%s: unknown placeholder %.*s", tmpl, (int)(end - at + 1), at);
			ret = -EINVAL;
			break;
		}
		sbuf_printf(&out, "%s", s->value);
		p = end + 1;
	}
	if (!ret) {
		sbuf_printf(&out, "%s", p);
		ret = sbuf_failed(&out) ? -ENOMEM : write_file(dst, sbuf_str(&out), out.len);
	}
	sbuf_free(&out);
	free(text);
	return ret;
}
