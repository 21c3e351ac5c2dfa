/*
 * Unit tests for the identifier check and number parsers (util/cutils.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"

/* Check that ids start with a letter and continue with [A-Za-z0-9-._]. */
static void test_id_wellformed(void)
{
    static const char *const good[] = { "a", "Z", "node0", "a-b.c_d", "x..", NULL };
    static const char *const bad[] = { "", "0a", "-a", "_a", ".a", "a b", "a/b",
                                       "a,b", "\xc3\xa9t\xc3\xa9", NULL };

    for (int i = 0; good[i]; i++) {
        g_assert_true(id_wellformed(good[i]));
    }
    for (int i = 0; bad[i]; i++) {
        g_assert_false(id_wellformed(bad[i]));
    }
}

/* Check that the six bool spellings parse and anything else leaves *out. */
static void test_parse_bool(void)
{
    bool v = false;

    g_assert_true(qemu_parse_bool("on", &v) && v);
    g_assert_true(qemu_parse_bool("off", &v) && !v);
    g_assert_true(qemu_parse_bool("yes", &v) && v);
    g_assert_true(qemu_parse_bool("no", &v) && !v);
    g_assert_true(qemu_parse_bool("true", &v) && v);
    g_assert_true(qemu_parse_bool("false", &v) && !v);
    v = true;
    g_assert_false(qemu_parse_bool("ON", &v));
    g_assert_false(qemu_parse_bool("1", &v));
    g_assert_false(qemu_parse_bool("", &v));
    g_assert_true(v);
}

/* Check decimal and hex, junk as -EINVAL and overflow as -ERANGE. */
static void test_parse_uint64(void)
{
    uint64_t v = 7;

    g_assert_cmpint(qemu_parse_uint64("0", &v), ==, 0);
    g_assert_cmpuint(v, ==, 0);
    g_assert_cmpint(qemu_parse_uint64("0x1F", &v), ==, 0);
    g_assert_cmpuint(v, ==, 31);
    g_assert_cmpint(qemu_parse_uint64("18446744073709551615", &v), ==, 0);
    g_assert_cmpuint(v, ==, UINT64_MAX);
    v = 7;
    g_assert_cmpint(qemu_parse_uint64("18446744073709551616", &v), ==, -ERANGE);
    g_assert_cmpint(qemu_parse_uint64("", &v), ==, -EINVAL);
    g_assert_cmpint(qemu_parse_uint64(" 1", &v), ==, -EINVAL);
    g_assert_cmpint(qemu_parse_uint64("1 ", &v), ==, -EINVAL);
    g_assert_cmpint(qemu_parse_uint64("-1", &v), ==, -EINVAL);
    g_assert_cmpint(qemu_parse_uint64("+1", &v), ==, -EINVAL);
    g_assert_cmpint(qemu_parse_uint64("0x", &v), ==, -EINVAL);
    g_assert_cmpint(qemu_parse_uint64("1k", &v), ==, -EINVAL);
    g_assert_cmpuint(v, ==, 7);
}

/* Check signs and both ends of the int64 range. */
static void test_parse_int64(void)
{
    int64_t v = 7;

    g_assert_cmpint(qemu_parse_int64("-9223372036854775808", &v), ==, 0);
    g_assert_cmpint(v, ==, INT64_MIN);
    g_assert_cmpint(qemu_parse_int64("+9223372036854775807", &v), ==, 0);
    g_assert_cmpint(v, ==, INT64_MAX);
    g_assert_cmpint(qemu_parse_int64("-0x10", &v), ==, 0);
    g_assert_cmpint(v, ==, -16);
    v = 7;
    g_assert_cmpint(qemu_parse_int64("9223372036854775808", &v), ==, -ERANGE);
    g_assert_cmpint(qemu_parse_int64("-9223372036854775809", &v), ==, -ERANGE);
    g_assert_cmpint(qemu_parse_int64("--1", &v), ==, -EINVAL);
    g_assert_cmpint(qemu_parse_int64("-", &v), ==, -EINVAL);
    g_assert_cmpint(v, ==, 7);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cutils/id-wellformed", test_id_wellformed);
    g_test_add_func("/cutils/parse-bool", test_parse_bool);
    g_test_add_func("/cutils/parse-uint64", test_parse_uint64);
    g_test_add_func("/cutils/parse-int64", test_parse_int64);
    return g_test_run();
}
