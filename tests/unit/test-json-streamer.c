/*
 * Unit tests for the QMP input splitter (monitor/json-streamer.c).
 */
#include "qemu/osdep.h"
#include "qemu/error.h"
#include "qemu/qdict.h"
#include "monitor/json-streamer.h"

/* What the streamer emitted: compact JSON of values, "ERR: msg" for errors. */
typedef struct Collected {
    GPtrArray *items;
} Collected;

static void collect(void *opaque, JsonNode *value, Error *err)
{
    Collected *c = opaque;

    g_assert_true((value == NULL) != (err == NULL));
    if (err) {
        g_ptr_array_add(c->items,
                        g_strdup_printf("ERR: %s", error_get_pretty(err)));
        error_free(err);
    } else {
        g_ptr_array_add(c->items, qobject_to_json(value, false));
        json_node_unref(value);
    }
}

static void collected_init(Collected *c)
{
    c->items = g_ptr_array_new_with_free_func(g_free);
}

static void collected_destroy(Collected *c)
{
    g_ptr_array_free(c->items, true);
}

/* Feed @input in chunks of @chunk bytes (0: all at once), then flush. */
static void run(const char *input, size_t len, size_t chunk, Collected *c,
                bool flush)
{
    g_autoptr(JsonStreamer) js = json_streamer_new(collect, c);

    if (!chunk) {
        chunk = len ? len : 1;
    }
    for (size_t off = 0; off < len; off += chunk) {
        json_streamer_feed(js, input + off, MIN(chunk, len - off));
    }
    if (flush) {
        json_streamer_flush(js);
    }
}

/* Compare what @input produces with the NULL-terminated @expected list. */
static void check_stream(const char *input, size_t chunk,
                         const char *const *expected)
{
    Collected c;
    size_t n = g_strv_length((char **)expected);

    collected_init(&c);
    run(input, strlen(input), chunk, &c, false);
    if (c.items->len != n) {
        for (size_t i = 0; i < c.items->len; i++) {
            g_test_message("got[%zu] = %s", i, (char *)c.items->pdata[i]);
        }
    }
    g_assert_cmpuint(c.items->len, ==, n);
    for (size_t i = 0; i < n; i++) {
        const char *got = c.items->pdata[i];

        if (g_str_has_suffix(expected[i], "*")) {
            /* prefix match for parser messages we don't pin down */
            g_assert_cmpint(strncmp(got, expected[i],
                                    strlen(expected[i]) - 1), ==, 0);
        } else {
            g_assert_cmpstr(got, ==, expected[i]);
        }
    }
    collected_destroy(&c);
}

/* Same, for every chunk size from 1 to the input length. */
static void check_all_splits(const char *input, const char *const *expected)
{
    for (size_t chunk = 0; chunk <= strlen(input); chunk++) {
        check_stream(input, chunk, expected);
    }
}

/* Check that back-to-back values are split correctly wherever reads end. */
static void test_split_points(void)
{
    const char *expected[] = {
        "{\"execute\": \"a\"}", "{\"b\": [1, 2, {\"c\": null}]}", "[3, []]", NULL,
    };

    check_all_splits("{\"execute\": \"a\"}{\"b\": [1, 2, {\"c\": null}]}\r\n"
                     "  [3, []]", expected);
}

/* Check that braces, brackets and quotes inside strings don't count. */
static void test_strings_with_braces(void)
{
    const char *expected[] = {
        "{\"a\": \"}{][\"}", "{\"b\": \"x\\\"}\"}", "{\"c\": \"back\\\\\"}",
        /* \u00e9 was decoded: the writer escapes it again, in uppercase */
        "{\"d\": \"\\u00E9\"}", NULL,
    };

    check_all_splits("{\"a\": \"}{][\"}"
                     "{\"b\": \"x\\\"}\"}"
                     "{\"c\": \"back\\\\\"}"
                     "{\"d\": \"\\u00e9\"}", expected);
}

/* Check that single-quoted strings (QEMU's extension) are accepted. */
static void test_single_quotes(void)
{
    const char *expected[] = {
        "{\"execute\": \"qmp_capabilities\"}",
        "{\"a\": \"say \\\"hi\\\"\", \"b\": \"it's\", \"c\": \"}\"}",
        "{\"d\": \"it's\", \"e\": \"q\\\"\"}",
        NULL,
    };

    check_all_splits("{ 'execute': 'qmp_capabilities' }"
                     "{'a': 'say \"hi\"', 'b': 'it\\'s', 'c': '}'}"
                     "{\"d\": \"it's\", 'e': 'q\\\"'}",
                     expected);
}

/* Check that top-level scalars are values of their own. */
static void test_scalars(void)
{
    const char *expected[] = { "123", "\"abc\"", "true", "{}", NULL };

    check_stream("123 \"abc\" true{}", 0, expected);
    check_stream("123 \"abc\" true{}", 1, expected);
}

/* Check that garbage gives one error and the following value still parses. */
/*
 * Check that integer literals outside int64's range become floating-point
 * values (as in QEMU), not wrapped integers, while the int64 limits, floats
 * and digits inside strings are kept as they are.
 */
static void test_big_integers(void)
{
    static const char *const expected[] = {
        "{\"a\": 1.8446744073709552e+19, \"b\": -9.2233720368547758e+18, "
        "\"c\": 9223372036854775807, \"d\": -9223372036854775808, "
        "\"s\": \"18446744073709551616\\\"1e99999999999999999999\", "
        "\"f\": 1.5e+20, \"l\": [1e+20, 2]}",
        "1e+20",
        NULL,
    };

    check_stream("{\"a\": 18446744073709551615, \"b\": -9223372036854775809, "
                 "\"c\": 9223372036854775807, \"d\": -9223372036854775808, "
                 "\"s\": \"18446744073709551616\\\"1e99999999999999999999\", "
                 "\"f\": 150000000000000000000.0, "
                 "\"l\": [100000000000000000000, 2]} 100000000000000000000 ",
                 0, expected);
}

static void test_garbage_recovery(void)
{
    const char *expected1[] = {
        "{\"a\": 1}", "ERR: JSON parse error, *", "{\"b\": 2}", NULL,
    };
    const char *expected2[] = {
        "ERR: JSON parse error, *", "{\"c\": 3}", NULL,
    };
    const char *expected3[] = {
        "ERR: JSON parse error, *", "ERR: JSON parse error, *", "{\"d\": 4}",
        NULL,
    };
    const char *expected4[] = {
        "ERR: JSON parse error, *", "{\"e\": 5}", NULL,
    };

    check_all_splits("{\"a\": 1} garbage {\"b\": 2}", expected1);
    /* mismatched closer: the value ends when both counts are balanced */
    check_all_splits("{\"foo\": [1, 2 } ] {\"c\": 3}", expected2);
    /* stray closers at top level */
    check_all_splits("} ] {\"d\": 4}", expected3);
    /* a syntax error inside a balanced object */
    check_all_splits("{\"x\" 1, } {\"e\": 5}", expected4);
}

/* Check the nesting limit: 1024 levels pass, 1025 give one error. */
static void test_depth_limit(void)
{
    g_autoptr(GString) ok = g_string_new(NULL);
    g_autoptr(GString) deep = g_string_new(NULL);
    const char *expected_ok[] = { "*", "{\"after\": 1}", NULL };
    const char *expected_deep[] = {
        "ERR: JSON nesting depth limit exceeded", "{\"after\": 1}", NULL,
    };

    for (int i = 0; i < 1024; i++) {
        g_string_append_c(ok, '[');
    }
    for (int i = 0; i < 1024; i++) {
        g_string_append_c(ok, ']');
    }
    g_string_append(ok, "{\"after\": 1}");
    check_stream(ok->str, 0, expected_ok);

    for (int i = 0; i < 1025; i++) {
        g_string_append(deep, "{\"k\":");
    }
    g_string_append(deep, "\"}}}\"");   /* braces in a string don't close */
    for (int i = 0; i < 1025; i++) {
        g_string_append_c(deep, '}');
    }
    g_string_append(deep, "{\"after\": 1}");
    check_stream(deep->str, 0, expected_deep);
    check_stream(deep->str, 7, expected_deep);
}

/* Check the size limit: an oversized value gives one error and is skipped. */
static void test_size_limit(void)
{
    g_autoptr(GString) big = g_string_new("{\"data\": \"");
    Collected c;
    g_autoptr(JsonStreamer) js = NULL;

    for (int i = 0; i < 300; i++) {
        g_string_append(big, "{x}");
    }
    g_string_append(big, "\"}{\"small\": true}");

    collected_init(&c);
    js = json_streamer_new(collect, &c);
    json_streamer_set_limits(js, 256, 16);
    json_streamer_feed(js, big->str, big->len);
    g_assert_cmpuint(c.items->len, ==, 2);
    g_assert_cmpstr(c.items->pdata[0], ==, "ERR: JSON object size limit exceeded");
    g_assert_cmpstr(c.items->pdata[1], ==, "{\"small\": true}");
    collected_destroy(&c);
}

/* Check that the default size limit is 64 MiB: a value just under it passes. */
static void test_default_size_limit(void)
{
    size_t len = JSON_STREAMER_MAX_SIZE;
    g_autofree char *buf = g_malloc(len + 1);
    Collected c;
    g_autoptr(JsonStreamer) js = NULL;

    /* "[" + spaces + "]" is exactly the limit: accepted */
    memset(buf, ' ', len);
    buf[0] = '[';
    buf[len - 1] = ']';
    collected_init(&c);
    js = json_streamer_new(collect, &c);
    json_streamer_feed(js, buf, len);
    g_assert_cmpuint(c.items->len, ==, 1);
    g_assert_cmpstr(c.items->pdata[0], ==, "[]");

    /* one byte more is refused */
    buf[len - 1] = ' ';
    buf[len] = ']';
    json_streamer_feed(js, buf, len + 1);
    g_assert_cmpuint(c.items->len, ==, 2);
    g_assert_cmpstr(c.items->pdata[1], ==,
                    "ERR: JSON object size limit exceeded");
    collected_destroy(&c);
}

/* Check that flush reports an unterminated value and keeps a bare scalar. */
static void test_flush(void)
{
    Collected c;

    collected_init(&c);
    run("{\"a\": [1", 8, 0, &c, true);
    g_assert_cmpuint(c.items->len, ==, 1);
    g_assert_true(g_str_has_prefix(c.items->pdata[0], "ERR: JSON parse error, "));
    collected_destroy(&c);

    collected_init(&c);
    run("42", 2, 0, &c, true);
    g_assert_cmpuint(c.items->len, ==, 1);
    g_assert_cmpstr(c.items->pdata[0], ==, "42");
    collected_destroy(&c);

    collected_init(&c);
    run(" \r\n ", 4, 0, &c, true);
    g_assert_cmpuint(c.items->len, ==, 0);
    collected_destroy(&c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/json-streamer/split-points", test_split_points);
    g_test_add_func("/json-streamer/strings-with-braces",
                    test_strings_with_braces);
    g_test_add_func("/json-streamer/single-quotes", test_single_quotes);
    g_test_add_func("/json-streamer/scalars", test_scalars);
    g_test_add_func("/json-streamer/garbage-recovery", test_garbage_recovery);
    g_test_add_func("/json-streamer/big-integers", test_big_integers);
    g_test_add_func("/json-streamer/depth-limit", test_depth_limit);
    g_test_add_func("/json-streamer/size-limit", test_size_limit);
    g_test_add_func("/json-streamer/default-size-limit",
                    test_default_size_limit);
    g_test_add_func("/json-streamer/flush", test_flush);
    return g_test_run();
}
