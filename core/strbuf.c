/* strbuf.c - growable strings; see strbuf.h for the invariants. */
#include "strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char strbuf_empty[1] = "";

void strbuf_init(struct strbuf *sb)
{
	sb->buf = (char *)strbuf_empty;
	sb->len = 0;
	sb->alloc = 0;
	sb->oom = 0;
}

void strbuf_release(struct strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	strbuf_init(sb);
}

char *strbuf_detach(struct strbuf *sb)
{
	char *s;

	if (sb->oom) {
		strbuf_release(sb);
		return NULL;
	}
	s = sb->alloc ? sb->buf : strdup("");
	strbuf_init(sb);
	return s;
}

int strbuf_ok(const struct strbuf *sb)
{
	return !sb->oom;
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->alloc)
		sb->buf[0] = '\0';
}

void strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t want;
	char *p;

	if (sb->oom)
		return;
	if (extra > (size_t)-1 / 2 - sb->len - 1) {
		sb->oom = 1;
		return;
	}
	want = sb->len + extra + 1;
	if (want <= sb->alloc)
		return;
	if (want < sb->alloc * 2)
		want = sb->alloc * 2;
	if (want < 64)
		want = 64;
	p = realloc(sb->alloc ? sb->buf : NULL, want);
	if (!p) {
		sb->oom = 1;
		return;
	}
	if (!sb->alloc)
		p[0] = '\0';
	sb->buf = p;
	sb->alloc = want;
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	strbuf_grow(sb, len);
	if (sb->oom)
		return;
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf_addstr(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_addch(struct strbuf *sb, int c)
{
	char ch = (char)c;

	strbuf_add(sb, &ch, 1);
}

/* One vsnprintf when the text fits in what is allocated (at least 64
 * bytes are made free first), a second after growing when it does not. */
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	size_t avail;
	int n;

	if (sb->alloc - sb->len < 64)
		strbuf_grow(sb, 64);
	if (sb->oom)
		return;
	avail = sb->alloc - sb->len;
	va_copy(cp, ap);
	n = vsnprintf(sb->buf + sb->len, avail, fmt, cp);
	va_end(cp);
	if (n >= 0 && (size_t)n >= avail) {
		strbuf_grow(sb, (size_t)n);
		if (!sb->oom)
			n = vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	}
	if (n < 0 || sb->oom) {
		sb->oom = 1;
		sb->buf[sb->len] = '\0'; /* the contents as they were */
		return;
	}
	sb->len += (size_t)n;
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void strbuf_add_html(struct strbuf *sb, const char *s)
{
	const char *start = s;

	for (; *s; s++) {
		const char *rep;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		strbuf_add(sb, start, (size_t)(s - start));
		strbuf_addstr(sb, rep);
		start = s + 1;
	}
	strbuf_add(sb, start, (size_t)(s - start));
}
