/*
 * Unit tests for the option dictionary getters (util/qdict.c).
 */
#include "qemu/osdep.h"
#include "qemu/qdict.h"
#include "qemu/error.h"

static JsonObject *json(const char *text)
{
    return qdict_from_json(text, &error_abort);
}

/* Check that the error message of *err is @msg, then free it. */
static void expect_error(Error **err, const char *msg)
{
    g_assert_nonnull(*err);
    g_assert_cmpstr(error_get_pretty(*err), ==, msg);
    error_free(*err);
    *err = NULL;
}

/* Check that strings are taken (removed) and type errors use QMP's text. */
static void test_qdict_str(void)
{
    g_autoptr(JsonObject) d = json("{\"a\": \"x\", \"b\": 1, \"c\": null}");
    g_autofree char *s = NULL;
    Error *err = NULL;
    bool present = true;

    g_assert_true(qdict_take_str(d, "a", &s, &present, &error_abort));
    g_assert_true(present);
    g_assert_cmpstr(s, ==, "x");
    g_assert_false(json_object_has_member(d, "a"));

    g_assert_true(qdict_take_str(d, "missing", &s, &present, &error_abort));
    g_assert_false(present);
    g_assert_cmpstr(s, ==, "x");    /* unchanged: the default survives */

    g_assert_false(qdict_take_str(d, "b", &s, NULL, &err));
    expect_error(&err, "Invalid parameter type for 'b', expected: string");
    g_assert_false(qdict_take_str(d, "c", &s, NULL, &err));
    expect_error(&err, "Invalid parameter type for 'c', expected: string");

    g_assert_false(qdict_take_required_str(d, "id", &s, &err));
    expect_error(&err, "Parameter 'id' is missing");
}

/* Check that bools accept JSON booleans and the six keyval spellings only. */
static void test_qdict_bool(void)
{
    g_autoptr(JsonObject) d = json(
        "{\"t\": true, \"f\": false, \"on\": \"on\", \"off\": \"off\","
        " \"yes\": \"yes\", \"no\": \"no\", \"true\": \"true\","
        " \"false\": \"false\", \"bad\": \"On\", \"num\": 1}");
    static const struct { const char *key; bool val; } ok[] = {
        { "t", true }, { "f", false }, { "on", true }, { "off", false },
        { "yes", true }, { "no", false }, { "true", true }, { "false", false },
    };
    Error *err = NULL;
    bool b;

    for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
        b = !ok[i].val;
        g_assert_true(qdict_take_bool(d, ok[i].key, &b, NULL, &error_abort));
        g_assert_cmpint(b, ==, ok[i].val);
    }
    g_assert_false(qdict_take_bool(d, "bad", &b, NULL, &err));
    expect_error(&err, "Parameter 'bad' expects 'on' or 'off'");
    g_assert_false(qdict_take_bool(d, "num", &b, NULL, &err));
    expect_error(&err, "Invalid parameter type for 'num', expected: boolean");
}

/* Check that signed integers parse strings strictly and detect overflow. */
static void test_qdict_int(void)
{
    g_autoptr(JsonObject) d = json(
        "{\"j\": -5, \"s\": \"-42\", \"hex\": \"0x10\", \"max\": \"9223372036854775807\","
        " \"min\": \"-9223372036854775808\", \"over\": \"9223372036854775808\","
        " \"junk\": \"12a\", \"empty\": \"\", \"space\": \" 1\", \"dbl\": 1.5,"
        " \"str\": true}");
    Error *err = NULL;
    int64_t v;

    g_assert_true(qdict_take_int(d, "j", &v, NULL, &error_abort));
    g_assert_cmpint(v, ==, -5);
    g_assert_true(qdict_take_int(d, "s", &v, NULL, &error_abort));
    g_assert_cmpint(v, ==, -42);
    g_assert_true(qdict_take_int(d, "hex", &v, NULL, &error_abort));
    g_assert_cmpint(v, ==, 16);
    g_assert_true(qdict_take_int(d, "max", &v, NULL, &error_abort));
    g_assert_cmpint(v, ==, INT64_MAX);
    g_assert_true(qdict_take_int(d, "min", &v, NULL, &error_abort));
    g_assert_cmpint(v, ==, INT64_MIN);

    g_assert_false(qdict_take_int(d, "over", &v, NULL, &err));
    expect_error(&err, "Parameter 'over' expects an integer between "
                 "-9223372036854775808 and 9223372036854775807");
    g_assert_false(qdict_take_int(d, "junk", &v, NULL, &err));
    expect_error(&err, "Parameter 'junk' expects integer");
    g_assert_false(qdict_take_int(d, "empty", &v, NULL, &err));
    expect_error(&err, "Parameter 'empty' expects integer");
    g_assert_false(qdict_take_int(d, "space", &v, NULL, &err));
    expect_error(&err, "Parameter 'space' expects integer");
    g_assert_false(qdict_take_int(d, "dbl", &v, NULL, &err));
    expect_error(&err, "Invalid parameter type for 'dbl', expected: integer");
    g_assert_false(qdict_take_int(d, "str", &v, NULL, &err));
    expect_error(&err, "Invalid parameter type for 'str', expected: integer");
}

/* Check that unsigned integers reject negatives and values past 2^64-1. */
static void test_qdict_uint(void)
{
    g_autoptr(JsonObject) d = json(
        "{\"j\": 7, \"max\": \"18446744073709551615\", \"over\": \"18446744073709551616\","
        " \"neg\": \"-1\", \"jneg\": -1}");
    Error *err = NULL;
    uint64_t v;

    g_assert_true(qdict_take_uint(d, "j", &v, NULL, &error_abort));
    g_assert_cmpuint(v, ==, 7);
    g_assert_true(qdict_take_uint(d, "max", &v, NULL, &error_abort));
    g_assert_cmpuint(v, ==, UINT64_MAX);
    g_assert_false(qdict_take_uint(d, "over", &v, NULL, &err));
    expect_error(&err, "Parameter 'over' expects an integer below 2^64");
    g_assert_false(qdict_take_uint(d, "neg", &v, NULL, &err));
    expect_error(&err, "Parameter 'neg' expects a non-negative integer");
    g_assert_false(qdict_take_uint(d, "jneg", &v, NULL, &err));
    expect_error(&err, "Parameter 'jneg' expects a non-negative integer");
}

/* Check size suffixes (powers of 1024, either case), fractions and limits. */
static void test_qdict_size(void)
{
    static const struct { const char *in; uint64_t out; } ok[] = {
        { "0", 0 }, { "512", 512 }, { "512B", 512 }, { "1k", 1024 },
        { "1K", 1024 }, { "4M", 4ULL << 20 }, { "1G", 1ULL << 30 },
        { "2T", 2ULL << 40 }, { "1P", 1ULL << 50 }, { "15E", 15ULL << 60 },
        { "1.5k", 1536 }, { "0.5G", 512ULL << 20 },
        { "18446744073709551615", UINT64_MAX },
    };
    static const char *const bad[] = {
        "", "k", "1x", "1kk", "-1", "1.5", "1.", "16E", "18446744073709551616",
        " 1", "1 ", "0x10",
    };
    Error *err = NULL;
    uint64_t v;

    for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
        g_autoptr(JsonObject) d = json_object_new();

        json_object_set_string_member(d, "size", ok[i].in);
        g_assert_true(qdict_take_size(d, "size", &v, NULL, &error_abort));
        g_assert_cmpuint(v, ==, ok[i].out);
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        g_autoptr(JsonObject) d = json_object_new();

        json_object_set_string_member(d, "size", bad[i]);
        g_assert_false(qdict_take_size(d, "size", &v, NULL, &err));
        g_assert_nonnull(error_get_hint(err));
        expect_error(&err, "Parameter 'size' expects a non-negative number "
                     "below 2^64");
    }
    {
        g_autoptr(JsonObject) d = json("{\"size\": 4096}");

        g_assert_true(qdict_take_size(d, "size", &v, NULL, &error_abort));
        g_assert_cmpuint(v, ==, 4096);
    }
}

/* Check that enums map names to indices and reject others with QMP's text. */
static void test_qdict_enum(void)
{
    static const char *const names[] = { "off", "on", "auto", NULL };
    g_autoptr(JsonObject) d = json("{\"a\": \"auto\", \"b\": \"maybe\", \"c\": 1}");
    Error *err = NULL;
    int v = -1;

    g_assert_true(qdict_take_enum(d, "a", names, &v, NULL, &error_abort));
    g_assert_cmpint(v, ==, 2);
    g_assert_false(qdict_take_enum(d, "b", names, &v, NULL, &err));
    expect_error(&err, "Parameter 'b' does not accept value 'maybe'");
    g_assert_false(qdict_take_enum(d, "c", names, &v, NULL, &err));
    expect_error(&err, "Invalid parameter type for 'c', expected: string");
}

/* Check objects, nodes, leftovers with a prefix, and deep copies. */
static void test_qdict_object(void)
{
    g_autoptr(JsonObject) d = json(
        "{\"file\": {\"filename\": \"x\", \"extra\": 1}, \"s\": \"str\","
        " \"l\": [1, {\"a\": 2}]}");
    g_autoptr(JsonObject) copy = qdict_clone(d);
    g_autoptr(JsonObject) file = NULL;
    g_autoptr(JsonObject) none = NULL;
    g_autoptr(JsonObject) bad = NULL;
    g_autoptr(JsonNode) node = NULL;
    g_autofree char *fn = NULL;
    g_autofree char *text = NULL;
    Error *err = NULL;
    bool present = true;

    file = qdict_take_object(d, "file", &present, &error_abort);
    g_assert_nonnull(file);
    g_assert_true(present);
    g_assert_true(qdict_take_str(file, "filename", &fn, NULL, &error_abort));
    g_assert_false(qdict_check_empty(file, "file.", &err));
    expect_error(&err, "Parameter 'file.extra' is unexpected");

    none = qdict_take_object(d, "nope", &present, &error_abort);
    g_assert_null(none);
    g_assert_false(present);
    bad = qdict_take_object(d, "s", NULL, &err);
    g_assert_null(bad);
    expect_error(&err, "Invalid parameter type for 's', expected: object");

    node = qdict_take_node(d, "l");
    g_assert_nonnull(node);
    g_assert_true(JSON_NODE_HOLDS_ARRAY(node));
    g_assert_null(qdict_take_node(d, "l"));
    g_assert_true(qdict_check_empty(d, NULL, &error_abort));

    /* the clone is unaffected by everything taken from the original */
    {
        g_autoptr(JsonNode) root = json_node_new(JSON_NODE_OBJECT);

        json_node_set_object(root, copy);
        text = qobject_to_json(root, false);
    }
    g_assert_cmpstr(text, ==, "{\"file\": {\"filename\": \"x\", \"extra\": 1},"
                    " \"s\": \"str\", \"l\": [1, {\"a\": 2}]}");
}

/* Check that JSON parsing errors and non-object roots are reported. */
static void test_qdict_from_json(void)
{
    Error *err = NULL;

    g_assert_null(qdict_from_json("[1, 2]", &err));
    expect_error(&err, "Expected a JSON object");
    g_assert_null(qdict_from_json("{\"a\": ", &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;
    g_assert_null(qdict_from_json("", &err));
    g_assert_nonnull(err);
    error_free(err);
}

/*
 * Check that integers outside int64's range are read as floating-point
 * values, not wrapped (2^64 - 1 was -1), and that digits in strings, in
 * single or double quotes, and in floats stay as they are.
 */
static void test_qdict_from_json_big_integers(void)
{
    g_autoptr(JsonObject) d = qdict_from_json(
        "{'s': '18446744073709551616\"x\\', \"t\": \"-99999999999999999999\\\"\", "
        "\"n\": 18446744073709551615, \"m\": -9223372036854775809, "
        "\"max\": 9223372036854775807, \"f\": 1e30}", &error_abort);

    g_assert_cmpstr(json_object_get_string_member(d, "s"), ==,
                    "18446744073709551616\"x\\");
    g_assert_cmpstr(json_object_get_string_member(d, "t"), ==,
                    "-99999999999999999999\"");
    g_assert_cmpint(json_node_get_value_type(json_object_get_member(d, "n")),
                    ==, G_TYPE_DOUBLE);
    g_assert_cmpfloat(json_object_get_double_member(d, "n"), ==,
                      18446744073709551616.0);
    g_assert_cmpint(json_node_get_value_type(json_object_get_member(d, "m")),
                    ==, G_TYPE_DOUBLE);
    g_assert_cmpint(json_object_get_int_member(d, "max"), ==, INT64_MAX);
    g_assert_cmpfloat(json_object_get_double_member(d, "f"), ==, 1e30);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qdict/str", test_qdict_str);
    g_test_add_func("/qdict/bool", test_qdict_bool);
    g_test_add_func("/qdict/int", test_qdict_int);
    g_test_add_func("/qdict/uint", test_qdict_uint);
    g_test_add_func("/qdict/size", test_qdict_size);
    g_test_add_func("/qdict/enum", test_qdict_enum);
    g_test_add_func("/qdict/object", test_qdict_object);
    g_test_add_func("/qdict/from-json", test_qdict_from_json);
    g_test_add_func("/qdict/from-json-big-integers",
                    test_qdict_from_json_big_integers);
    return g_test_run();
}
