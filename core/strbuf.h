/* strbuf.h - growable NUL-terminated strings for SQL, HTML, YAML and messages.
 *
 * Invariants (as git's strbuf): after strbuf_init, buf is never NULL and
 * buf[len] == '\0'. An allocation failure sets the sticky `oom` flag and
 * leaves the contents as they were; callers check it once at the end with
 * strbuf_ok() instead of after every append.
 */
#ifndef BATON_STRBUF_H
#define BATON_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;    /* never NULL after init */
	size_t len;   /* bytes used, not counting the NUL */
	size_t alloc; /* bytes allocated; 0 means buf points at a static "" */
	int oom;      /* set when an allocation failed */
};

#define STRBUF_INIT { (char *)strbuf_empty, 0, 0, 0 }
extern const char strbuf_empty[1];

/* Set up an empty buffer; allocates nothing. */
void strbuf_init(struct strbuf *sb);
/* Free the memory and leave sb empty and reusable. */
void strbuf_release(struct strbuf *sb);
/* Hand the string to the caller (malloc'd, never NULL unless out of memory)
 * and reset sb. Returns NULL if an allocation failed at any point. */
char *strbuf_detach(struct strbuf *sb);
/* 1 when no allocation has failed since init/release. */
int strbuf_ok(const struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* Append s with &, <, >, " and ' replaced by HTML entities. */
void strbuf_add_html(struct strbuf *sb, const char *s);
/* Make sure at least `extra` more bytes fit without reallocating. */
void strbuf_grow(struct strbuf *sb, size_t extra);

#endif
