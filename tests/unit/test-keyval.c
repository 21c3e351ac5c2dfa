/*
 * Unit tests for keyval_parse() (util/keyval.c).
 */
#include "qemu/osdep.h"
#include "qemu/keyval.h"
#include "qemu/error.h"

/* Parse @params and return compact JSON of the result, or NULL (error in *err). */
static char *parse_to_json(const char *params, const char *implied, bool *help,
                           Error **err)
{
    g_autoptr(JsonObject) obj = keyval_parse(params, implied, help, err);
    g_autoptr(JsonNode) node = NULL;

    if (!obj) {
        return NULL;
    }
    node = json_node_new(JSON_NODE_OBJECT);
    json_node_set_object(node, obj);
    return qobject_to_json(node, false);
}

static void check_ok(const char *params, const char *implied,
                     const char *expected_json)
{
    Error *err = NULL;
    g_autofree char *json = parse_to_json(params, implied, NULL, &err);

    if (err) {
        g_test_message("'%s': %s", params, error_get_pretty(err));
    }
    g_assert_null(err);
    g_assert_cmpstr(json, ==, expected_json);
}

static void check_err(const char *params, const char *implied,
                      const char *expected_msg)
{
    Error *err = NULL;
    g_autofree char *json = parse_to_json(params, implied, NULL, &err);

    g_assert_null(json);
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, expected_msg);
    error_free(err);
}

/* Check that flat key=value pairs become string members in order. */
static void test_keyval_flat(void)
{
    check_ok("", NULL, "{}");
    check_ok("a=1", NULL, "{\"a\": \"1\"}");
    check_ok("a=1,b=two,c-d_e=3", NULL,
             "{\"a\": \"1\", \"b\": \"two\", \"c-d_e\": \"3\"}");
    /* a value may contain '=' */
    check_ok("a=b=c", NULL, "{\"a\": \"b=c\"}");
    /* a trailing comma is tolerated */
    check_ok("a=1,", NULL, "{\"a\": \"1\"}");
}

/* Check that an empty value is an empty string, not an error. */
static void test_keyval_empty_value(void)
{
    check_ok("a=", NULL, "{\"a\": \"\"}");
    check_ok("a=,b=", NULL, "{\"a\": \"\", \"b\": \"\"}");
}

/* Check that ",," is a literal comma, inside and at the ends of a value. */
static void test_keyval_escape(void)
{
    check_ok("a=x,,y", NULL, "{\"a\": \"x,y\"}");
    check_ok("a=,,,b=1", NULL, "{\"a\": \",\", \"b\": \"1\"}");
    check_ok("a=x,,,,y", NULL, "{\"a\": \"x,,y\"}");
    check_ok("a=x,,", NULL, "{\"a\": \"x,\"}");
    check_ok("filename=/tmp/a,,b.img,driver=file", NULL,
             "{\"filename\": \"/tmp/a,b.img\", \"driver\": \"file\"}");
}

/* Check that a repeated key keeps its last value. */
static void test_keyval_repeat(void)
{
    check_ok("a=1,a=2", NULL, "{\"a\": \"2\"}");
}

/* Check that dotted keys build nested objects. */
static void test_keyval_nested(void)
{
    check_ok("file.driver=file,file.filename=x,driver=raw", NULL,
             "{\"file\": {\"driver\": \"file\", \"filename\": \"x\"},"
             " \"driver\": \"raw\"}");
    check_ok("a.b.c=1,a.b.d=2,a.e=3", NULL,
             "{\"a\": {\"b\": {\"c\": \"1\", \"d\": \"2\"}, \"e\": \"3\"}}");
}

/* Check that a key used both as scalar and as object is rejected, naming it. */
static void test_keyval_inconsistent(void)
{
    check_err("a=1,a.b=2", NULL, "Parameters 'a.*' used inconsistently");
    check_err("a.b=2,a=1", NULL, "Parameters 'a.*' used inconsistently");
    check_err("a.b.c=1,a.b=2", NULL, "Parameters 'a.b.*' used inconsistently");
    check_err("x.y=1,x.y.z=2", NULL, "Parameters 'x.y.*' used inconsistently");
    check_err("l.0=a,l.x=b", NULL, "Parameters 'l.*' used inconsistently");
}

/* Check that index keys build lists, also of objects and nested lists. */
static void test_keyval_list(void)
{
    check_ok("l.0=a,l.1=b", NULL, "{\"l\": [\"a\", \"b\"]}");
    /* order on the command line does not matter */
    check_ok("l.1=b,l.0=a", NULL, "{\"l\": [\"a\", \"b\"]}");
    check_ok("iothread.0=io0,iothread.1=io1,iothread.2=io2", NULL,
             "{\"iothread\": [\"io0\", \"io1\", \"io2\"]}");
    check_ok("l.0.x=1,l.0.y=2,l.1.x=3", NULL,
             "{\"l\": [{\"x\": \"1\", \"y\": \"2\"}, {\"x\": \"3\"}]}");
    check_ok("m.0.0=a,m.0.1=b,m.1.0=c", NULL,
             "{\"m\": [[\"a\", \"b\"], [\"c\"]]}");
    /* "01" is not an index but a name */
    check_ok("o.01=a", NULL, "{\"o\": {\"01\": \"a\"}}");
    /* a top-level digit key stays a plain member */
    check_ok("0=a", NULL, "{\"0\": \"a\"}");
}

/* Check that lists must be dense: indices 0..n-1. */
static void test_keyval_list_gap(void)
{
    check_err("l.1=b", NULL, "Parameter 'l.0' is missing");
    check_err("l.0=a,l.2=c", NULL, "Parameter 'l.1' is missing");
    check_err("a.l.0=x,a.l.5=y", NULL, "Parameter 'a.l.1' is missing");
    check_err("l.0=a,l.01=b", NULL, "Parameters 'l.*' used inconsistently");
}

/* Check that malformed keys and elements are rejected with the key named. */
static void test_keyval_bad_syntax(void)
{
    check_err("a..b=1", NULL, "Invalid parameter 'a..b'");
    check_err(".a=1", NULL, "Invalid parameter '.a'");
    check_err("a.=1", NULL, "Invalid parameter 'a.'");
    check_err("=1", NULL, "Invalid parameter ''");
    check_err("a b=1", NULL, "Invalid parameter 'a b'");
    check_err("a=1,x", NULL, "Expected '=' after parameter 'x'");
    check_err("x", NULL, "Expected '=' after parameter 'x'");
    check_err("a=1,,,x", NULL, "Expected '=' after parameter 'x'");
    check_err(",a=1", NULL, "Invalid parameter ''");
    check_err(",,a=1", NULL, "Invalid parameter ''");
}

/* Check that the first element without '=' is the implied key's value. */
static void test_keyval_implied(void)
{
    check_ok("iothread,id=io0", "qom-type",
             "{\"qom-type\": \"iothread\", \"id\": \"io0\"}");
    check_ok("a,,b,c=1", "name", "{\"name\": \"a,b\", \"c\": \"1\"}");
    /* only the first element can be implied */
    check_err("id=io0,iothread", "qom-type",
              "Expected '=' after parameter 'iothread'");
    /* an explicit first key is fine too */
    check_ok("qom-type=iothread,id=x", "qom-type",
             "{\"qom-type\": \"iothread\", \"id\": \"x\"}");
    check_err("iothread,id=x", NULL, "Expected '=' after parameter 'iothread'");
}

/* Check that "help" and "?" set *help and are otherwise ordinary text. */
static void test_keyval_help(void)
{
    Error *err = NULL;
    bool help = false;
    g_autofree char *j1 = parse_to_json("help", "qom-type", &help, &err);
    g_autofree char *j2 = NULL;
    g_autofree char *j3 = NULL;
    g_autofree char *j4 = NULL;

    g_assert_null(err);
    g_assert_true(help);
    g_assert_cmpstr(j1, ==, "{}");

    j2 = parse_to_json("type=fuse,?", NULL, &help, &err);
    g_assert_null(err);
    g_assert_true(help);
    g_assert_cmpstr(j2, ==, "{\"type\": \"fuse\"}");

    j3 = parse_to_json("a=help", NULL, &help, &err);
    g_assert_null(err);
    g_assert_false(help);
    g_assert_cmpstr(j3, ==, "{\"a\": \"help\"}");

    /* without a help pointer, "help" is an implied value */
    j4 = parse_to_json("help", "qom-type", NULL, &err);
    g_assert_null(err);
    g_assert_cmpstr(j4, ==, "{\"qom-type\": \"help\"}");

    check_err("help", NULL, "Expected '=' after parameter 'help'");
}

/* Check that parsed strings convert through the qdict getters. */
static void test_keyval_typed(void)
{
    g_autoptr(JsonObject) o =
        keyval_parse("size=1G,writable=on,n=-3,cache.direct=yes", NULL, NULL,
                     &error_abort);
    g_autoptr(JsonObject) cache = NULL;
    uint64_t size = 0;
    bool writable = false, direct = false;
    int64_t n = 0;

    g_assert_true(qdict_take_size(o, "size", &size, NULL, &error_abort));
    g_assert_cmpuint(size, ==, 1ULL << 30);
    g_assert_true(qdict_take_bool(o, "writable", &writable, NULL, &error_abort));
    g_assert_true(writable);
    g_assert_true(qdict_take_int(o, "n", &n, NULL, &error_abort));
    g_assert_cmpint(n, ==, -3);
    cache = qdict_take_object(o, "cache", NULL, &error_abort);
    g_assert_nonnull(cache);
    g_assert_true(qdict_take_bool(cache, "direct", &direct, NULL, &error_abort));
    g_assert_true(direct);
    g_assert_true(qdict_check_empty(cache, "cache.", &error_abort));
    g_assert_true(qdict_check_empty(o, NULL, &error_abort));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/keyval/flat", test_keyval_flat);
    g_test_add_func("/keyval/empty-value", test_keyval_empty_value);
    g_test_add_func("/keyval/escape", test_keyval_escape);
    g_test_add_func("/keyval/repeat", test_keyval_repeat);
    g_test_add_func("/keyval/nested", test_keyval_nested);
    g_test_add_func("/keyval/inconsistent", test_keyval_inconsistent);
    g_test_add_func("/keyval/list", test_keyval_list);
    g_test_add_func("/keyval/list-gap", test_keyval_list_gap);
    g_test_add_func("/keyval/bad-syntax", test_keyval_bad_syntax);
    g_test_add_func("/keyval/implied", test_keyval_implied);
    g_test_add_func("/keyval/help", test_keyval_help);
    g_test_add_func("/keyval/typed", test_keyval_typed);
    return g_test_run();
}
