/* check_strbuf.c - core/strbuf.c: appending, formatting (in the space
 * already allocated, or after growing), and the invariants of strbuf.h. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* buf[len] is the NUL and len is what strlen sees (no NUL inside). */
static void invariants(const struct strbuf *sb)
{
	ck_assert_ptr_nonnull(sb->buf);
	ck_assert_int_eq(sb->buf[sb->len], '\0');
	ck_assert_uint_eq(strlen(sb->buf), sb->len);
	ck_assert(sb->alloc == 0 || sb->len < sb->alloc);
}

START_TEST(test_add)
{
	struct strbuf sb = STRBUF_INIT;

	invariants(&sb);
	ck_assert_str_eq(sb.buf, "");
	strbuf_add(&sb, "role", 4);
	strbuf_addch(&sb, '/');
	strbuf_addstr(&sb, "ceo");
	invariants(&sb);
	ck_assert_str_eq(sb.buf, "role/ceo");
	strbuf_reset(&sb);
	invariants(&sb);
	ck_assert_str_eq(sb.buf, "");
	ck_assert(strbuf_ok(&sb));
	strbuf_release(&sb);
	ck_assert_uint_eq(sb.alloc, 0);
}
END_TEST

/* Formatting appends; short texts into the space there is, long ones
 * after growing (the second vsnprintf), at any fill of the buffer. */
START_TEST(test_addf)
{
	struct strbuf sb = STRBUF_INIT, want = STRBUF_INIT;
	char big[300];
	size_t fill, i;

	strbuf_addf(&sb, "%s/%s", "role", "ceo");
	invariants(&sb);
	ck_assert_str_eq(sb.buf, "role/ceo");
	strbuf_addf(&sb, " holds %d of %d", 2, 3);
	ck_assert_str_eq(sb.buf, "role/ceo holds 2 of 3");
	strbuf_addf(&sb, "%s", "");
	ck_assert_str_eq(sb.buf, "role/ceo holds 2 of 3");
	invariants(&sb);
	strbuf_release(&sb);

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	/* every fill from empty to past the first allocation, then a text
	 * that does not fit in what is left */
	for (fill = 0; fill < 200; fill++) {
		for (i = 0; i < fill; i++)
			strbuf_addch(&sb, 'a' + (char)(i % 26));
		strbuf_add(&want, sb.buf, sb.len);
		strbuf_addf(&sb, "<%d:%s>", (int)fill, big + fill);
		strbuf_addf(&want, "<%d:", (int)fill);
		strbuf_addstr(&want, big + fill);
		strbuf_addch(&want, '>');
		invariants(&sb);
		ck_assert(strbuf_ok(&sb));
		ck_assert_uint_eq(sb.len, want.len);
		ck_assert_str_eq(sb.buf, want.buf);
		strbuf_reset(&sb);
		strbuf_reset(&want);
	}
	strbuf_release(&sb);
	strbuf_release(&want);
}
END_TEST

START_TEST(test_detach)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;

	strbuf_addf(&sb, "%05d", 42);
	s = strbuf_detach(&sb);
	ck_assert_str_eq(s, "00042");
	invariants(&sb);
	ck_assert_uint_eq(sb.len, 0);
	free(s);
	s = strbuf_detach(&sb); /* never allocated: still a string */
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

START_TEST(test_html)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_add_html(&sb, "<a href=\"x\">Tom & Jerry's</a>");
	ck_assert_str_eq(sb.buf,
			 "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
	invariants(&sb);
	strbuf_release(&sb);
}
END_TEST

Suite *suite_strbuf(void)
{
	Suite *s = suite_create("strbuf");
	TCase *tc = tcase_create("strbuf");

	tcase_add_test(tc, test_add);
	tcase_add_test(tc, test_addf);
	tcase_add_test(tc, test_detach);
	tcase_add_test(tc, test_html);
	suite_add_tcase(s, tc);
	return s;
}
