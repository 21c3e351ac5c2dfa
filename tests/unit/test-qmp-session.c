/*
 * Unit tests for the QMP monitor over a unix socket chardev
 * (chardev/char-socket.c, monitor/qmp.c, monitor/qmp-cmds*.c).
 *
 * The test drives the daemon's main loop itself: each helper polls the
 * main AioContext until the client socket received what it waits for.
 */
#include "qemu/osdep.h"
#include "qemu/aio.h"
#include "qemu/error.h"
#include "qemu/qdict.h"
#include "chardev/char.h"
#include "monitor/monitor.h"
#include "qemu/json-writer.h"
#include "qapi/qapi-events.h"
#include "system/runstate.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#define GREETING "{\"QMP\": {\"version\": {\"qemu\": {\"major\": 0, " \
                 "\"minor\": 1, \"micro\": 0}, \"package\": \"\"}, "   \
                 "\"capabilities\": []}}"

static char *tmpdir;

typedef struct Client {
    int fd;
    GString *in;
} Client;

static char *sock_path(const char *name)
{
    return g_build_filename(tmpdir, name, NULL);
}

static void poll_once(void)
{
    if (!aio_poll(qemu_get_aio_context(), false)) {
        g_usleep(500);
    }
}

static void client_recv_some(Client *c)
{
    char buf[65536];
    ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

    if (n > 0) {
        g_string_append_len(c->in, buf, n);
    }
}

/* Poll until the client has a whole line; return it without "\r\n". */
static char *client_line(Client *c)
{
    int64_t deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    for (;;) {
        char *eol = strstr(c->in->str, "\r\n");

        if (eol) {
            char *line = g_strndup(c->in->str, eol - c->in->str);

            g_string_erase(c->in, 0, eol - c->in->str + 2);
            return line;
        }
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        poll_once();
        client_recv_some(c);
    }
}

/* Poll for @ms milliseconds, collecting whatever arrives. */
static void settle(Client *c, int ms)
{
    int64_t end = g_get_monotonic_time() + ms * 1000;

    while (g_get_monotonic_time() < end) {
        poll_once();
        if (c) {
            client_recv_some(c);
        }
    }
}

static void client_send(Client *c, const char *text)
{
    size_t len = strlen(text);

    g_assert_cmpint(send(c->fd, text, len, MSG_NOSIGNAL), ==, len);
}

static void client_expect(Client *c, const char *request, const char *reply)
{
    g_autofree char *line = NULL;

    client_send(c, request);
    line = client_line(c);
    g_assert_cmpstr(line, ==, reply);
}

static Client *client_connect(const char *path)
{
    Client *c = g_new0(Client, 1);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };

    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_assert_cmpint(c->fd, >=, 0);
    g_assert_cmpint(connect(c->fd, (struct sockaddr *)&addr, sizeof(addr)),
                    ==, 0);
    c->in = g_string_new(NULL);
    return c;
}

static void client_close(Client *c)
{
    close(c->fd);
    g_string_free(c->in, true);
    g_free(c);
    settle(NULL, 20);   /* let the daemon notice */
}

/* A connected client that passed the greeting and negotiation. */
static Client *client_negotiated(const char *path)
{
    Client *c = client_connect(path);
    g_autofree char *greeting = client_line(c);

    g_assert_cmpstr(greeting, ==, GREETING);
    client_expect(c, "{\"execute\": \"qmp_capabilities\"}",
                  "{\"return\": {}}");
    return c;
}

static JsonObject *parse_opts(const char *json)
{
    return qdict_from_json(json, &error_abort);
}

/* Create socket chardev @id on @path plus a monitor on it. */
static void add_monitor(const char *id, const char *path, bool pretty)
{
    g_autofree char *chr_json = g_strdup_printf(
        "{\"id\": \"%s\", \"backend\": \"socket\", \"path\": \"%s\", "
        "\"server\": true, \"wait\": false}", id, path);
    g_autofree char *mon_json = g_strdup_printf(
        "{\"chardev\": \"%s\", \"pretty\": \"%s\"}", id, pretty ? "on" : "off");

    g_assert_nonnull(qemu_chr_new_from_opts(parse_opts(chr_json),
                                            &error_abort));
    g_assert_true(monitor_new_from_opts(parse_opts(mon_json), &error_abort));
}

static void expect_chardev_error(const char *json, const char *msg)
{
    Error *err = NULL;

    g_assert_null(qemu_chr_new_from_opts(parse_opts(json), &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, msg);
    error_free(err);
}

/* Check that the greeting comes first and commands wait for negotiation. */
static void test_greeting_and_negotiation(void)
{
    g_autofree char *path = sock_path("main.sock");
    Client *c = client_connect(path);
    g_autofree char *greeting = client_line(c);

    g_assert_cmpstr(greeting, ==, GREETING);
    client_expect(c, "{\"execute\": \"query-version\"}",
                  "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
                  "\"Expecting capabilities negotiation with "
                  "'qmp_capabilities'\"}}");
    client_expect(c, "{\"execute\": \"qmp_capabilities\", "
                  "\"arguments\": {\"enable\": [\"oob\"]}}",
                  "{\"error\": {\"class\": \"GenericError\", \"desc\": "
                  "\"Capability 'oob' not available\"}}");
    client_expect(c, "{'execute': 'qmp_capabilities', 'id': 7}",
                  "{\"return\": {}, \"id\": 7}");
    client_expect(c, "{\"execute\": \"qmp_capabilities\"}",
                  "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
                  "\"Capabilities negotiation is already complete, command "
                  "ignored\"}}");
    client_expect(c, "{\"execute\": \"query-version\", \"id\": \"v\"}",
                  "{\"return\": {\"qemu\": {\"major\": 0, \"minor\": 1, "
                  "\"micro\": 0}, \"package\": \"\"}, \"id\": \"v\"}");
    client_close(c);
}

/* Check that bad JSON gets an error and the next request still works. */
static void test_parse_error_recovery(void)
{
    g_autofree char *path = sock_path("main.sock");
    Client *c = client_negotiated(path);
    g_autofree char *l1 = NULL, *l2 = NULL, *l3 = NULL, *l4 = NULL;

    client_send(c, "{\"execute\": \"query-version\", \"id\": 1} garbage "
                "{\"execute\": \"nope\", \"id\": 2}\n[1, 2]\n");
    l1 = client_line(c);
    l2 = client_line(c);
    l3 = client_line(c);
    l4 = client_line(c);
    g_assert_true(g_str_has_prefix(l1, "{\"return\": {\"qemu\""));
    g_assert_true(g_str_has_prefix(l2, "{\"error\": {\"class\": "
                                   "\"GenericError\", \"desc\": "
                                   "\"JSON parse error, "));
    g_assert_cmpstr(l3, ==, "{\"error\": {\"class\": \"CommandNotFound\", "
                    "\"desc\": \"The command nope has not been found\"}, "
                    "\"id\": 2}");
    g_assert_cmpstr(l4, ==, "{\"error\": {\"class\": \"GenericError\", "
                    "\"desc\": \"QMP input must be a JSON object\"}}");
    client_close(c);
}

/* Check that requests split across writes are answered once complete. */
static void test_split_request(void)
{
    g_autofree char *path = sock_path("main.sock");
    Client *c = client_negotiated(path);
    g_autofree char *line = NULL;

    client_send(c, "{\"execute\": \"query-");
    settle(c, 20);
    g_assert_cmpuint(c->in->len, ==, 0);
    client_send(c, "commands\", \"id\": \"}\"}");
    line = client_line(c);
    g_assert_true(g_str_has_prefix(line, "{\"return\": [{\"name\": "));
    g_assert_nonnull(strstr(line, "{\"name\": \"quit\"}"));
    g_assert_nonnull(strstr(line, "{\"name\": \"block-export-add\"}"));
    g_assert_true(g_str_has_suffix(line, "], \"id\": \"}\"}"));
    client_close(c);
}

/* Check that events reach negotiated clients only, with a timestamp. */
static void test_events(void)
{
    g_autofree char *path = sock_path("main.sock");
    g_autofree char *path2 = sock_path("second.sock");
    Client *c = client_negotiated(path);
    Client *c2 = client_connect(path2);
    g_autofree char *line = NULL;
    g_autoptr(GRegex) re = g_regex_new(
        "^\\{\"timestamp\": \\{\"seconds\": [0-9]+, \"microseconds\": "
        "[0-9]+\\}, \"event\": \"BLOCK_EXPORT_DELETED\", "
        "\"data\": \\{\"id\": \"e\\\\u00E9\"\\}\\}$", 0, 0, NULL);

    settle(c2, 20);
    g_assert_cmpuint(c2->in->len, >, 0);     /* the (pretty) greeting */
    g_string_truncate(c2->in, 0);

    qapi_event_send_block_export_deleted("e\xc3\xa9");
    line = client_line(c);
    g_assert_true(g_regex_match(re, line, 0, NULL));
    /* the second client did not negotiate yet: nothing for it */
    settle(c2, 20);
    g_assert_cmpuint(c2->in->len, ==, 0);
    client_close(c2);
    client_close(c);
}

/* Check pretty output: QEMU's layout with CRLF line ends. */
static void test_pretty(void)
{
    g_autofree char *path = sock_path("second.sock");
    Client *c = client_connect(path);
    g_autofree char *greeting = NULL;

    settle(c, 20);
    greeting = g_strdup(c->in->str);
    g_assert_true(g_str_has_prefix(greeting, "{\r\n    \"QMP\": {\r\n"
                                   "        \"version\": {\r\n"));
    g_string_truncate(c->in, 0);
    client_send(c, "{\"execute\": \"qmp_capabilities\"}");
    settle(c, 20);
    g_assert_cmpstr(c->in->str, ==, "{\r\n    \"return\": {\r\n    }\r\n}\r\n");
    client_close(c);
}

/* Check that a client leaving with unread replies doesn't hurt the daemon. */
static void test_client_vanishes(void)
{
    g_autofree char *path = sock_path("main.sock");
    Client *c = client_negotiated(path);
    Client *c2;
    GString *many = g_string_new(NULL);

    for (int i = 0; i < 200; i++) {
        g_string_append(many, "{\"execute\": \"query-qmp-schema\"}");
    }
    client_send(c, many->str);
    g_string_free(many, true);
    settle(c, 10);
    client_close(c);        /* replies pending, socket gone */
    settle(NULL, 100);

    /* One client at a time: the next one is served once the last left. */
    c2 = client_negotiated(path);
    client_expect(c2, "{\"execute\": \"query-block-exports\"}",
                  "{\"return\": []}");
    client_close(c2);
}

/*
 * Check that replies larger than the socket buffer are queued and all
 * delivered, in order, once the client reads.
 */
static void test_slow_reader(void)
{
    g_autofree char *path = sock_path("main.sock");
    Client *c = client_negotiated(path);
    int64_t deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    int lines = 0;

    for (int i = 0; i < 100; i++) {
        g_autofree char *req = g_strdup_printf(
            "{\"execute\": \"query-qmp-schema\", \"id\": %d}", i);

        client_send(c, req);
    }
    settle(NULL, 200);      /* the daemon answers while nobody reads */
    while (lines < 100) {
        g_autofree char *line = NULL;
        g_autofree char *suffix = g_strdup_printf("], \"id\": %d}", lines);

        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        line = client_line(c);
        g_assert_true(g_str_has_prefix(line, "{\"return\": [{"));
        g_assert_true(g_str_has_suffix(line, suffix));
        lines++;
    }
    client_close(c);
}

/* Check that input ending right after a request still gets its reply. */
static void test_eof_after_request(void)
{
    g_autofree char *path = sock_path("main.sock");
    Client *c = client_negotiated(path);
    g_autofree char *line = NULL;

    client_send(c, "{\"execute\": \"query-block-exports\", \"id\": 3}");
    shutdown(c->fd, SHUT_WR);
    line = client_line(c);
    g_assert_cmpstr(line, ==, "{\"return\": [], \"id\": 3}");
    client_close(c);
}

/* Check the block commands on a null-co node. */
static void test_block_commands(void)
{
    g_autofree char *path = sock_path("main.sock");
    Client *c = client_negotiated(path);
    g_autofree char *img = sock_path("img.raw");
    g_autofree char *info = NULL;
    g_autofree char *add = NULL;
    struct stat st;

    client_expect(c, "{\"execute\": \"blockdev-add\", \"arguments\": "
                  "{\"driver\": \"null-co\"}}",
                  "{\"error\": {\"class\": \"GenericError\", \"desc\": "
                  "\"'node-name' must be specified for the root node\"}}");
    client_expect(c, "{\"execute\": \"blockdev-add\", \"arguments\": "
                  "{\"driver\": \"null-co\", \"node-name\": \"n0\", "
                  "\"size\": 1048576}}", "{\"return\": {}}");
    client_expect(c, "{\"execute\": \"block_resize\", \"arguments\": "
                  "{\"node-name\": \"zz\", \"size\": 1}}",
                  "{\"error\": {\"class\": \"GenericError\", \"desc\": "
                  "\"Cannot find device= nor node-name=zz\"}}");
    client_expect(c, "{\"execute\": \"block_resize\", \"arguments\": "
                  "{\"node-name\": \"n0\", \"size\": -1}}",
                  "{\"error\": {\"class\": \"GenericError\", \"desc\": "
                  "\"Parameter 'size' expects a >0 size\"}}");
    client_expect(c, "{\"execute\": \"block_resize\", \"arguments\": "
                  "{\"node-name\": \"n0\", \"size\": 2097152}}",
                  "{\"error\": {\"class\": \"GenericError\", \"desc\": "
                  "\"Image format driver does not support resize\"}}");
    g_assert_true(g_file_set_contents(img, "", 0, NULL));
    add = g_strdup_printf("{\"execute\": \"blockdev-add\", \"arguments\": "
                          "{\"driver\": \"file\", \"node-name\": \"f0\", "
                          "\"filename\": \"%s\"}}", img);
    client_expect(c, add, "{\"return\": {}}");
    client_expect(c, "{\"execute\": \"block_resize\", \"arguments\": "
                  "{\"device\": \"f0\", \"size\": 2097152}}",
                  "{\"return\": {}}");
    g_assert_cmpint(stat(img, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, 2097152);
    client_send(c, "{\"execute\": \"query-named-block-nodes\"}");
    info = client_line(c);
    g_assert_nonnull(strstr(info, "\"file\": \"null-co://\""));
    g_assert_nonnull(strstr(info, "\"node-name\": \"n0\""));
    g_assert_nonnull(strstr(info, "\"drv\": \"null-co\""));
    g_assert_nonnull(strstr(info, "\"virtual-size\": 1048576"));
    g_assert_nonnull(strstr(info, "\"virtual-size\": 2097152"));
    g_assert_nonnull(strstr(info, img));
    client_expect(c, "{\"execute\": \"blockdev-del\", \"arguments\": "
                  "{\"node-name\": \"n0\"}}", "{\"return\": {}}");
    client_expect(c, "{\"execute\": \"blockdev-del\", \"arguments\": "
                  "{\"node-name\": \"f0\"}}", "{\"return\": {}}");
    unlink(img);
    client_expect(c, "{\"execute\": \"query-named-block-nodes\"}",
                  "{\"return\": []}");
    client_expect(c, "{\"execute\": \"block-export-del\", \"arguments\": "
                  "{\"id\": \"nope\"}}",
                  "{\"error\": {\"class\": \"GenericError\", \"desc\": "
                  "\"Export 'nope' is not found\"}}");
    client_close(c);
}

/* Check the iothread objects: add, duplicate, delete, unknown. */
static void test_objects(void)
{
    g_autofree char *path = sock_path("main.sock");
    Client *c = client_negotiated(path);

    client_expect(c, "{\"execute\": \"object-add\", \"arguments\": "
                  "{\"qom-type\": \"iothread\", \"id\": \"io0\"}}",
                  "{\"return\": {}}");
    client_expect(c, "{\"execute\": \"object-del\", \"arguments\": "
                  "{\"id\": \"io0\"}}", "{\"return\": {}}");
    client_expect(c, "{\"execute\": \"object-del\", \"arguments\": "
                  "{\"id\": \"io0\"}}",
                  "{\"error\": {\"class\": \"GenericError\", \"desc\": "
                  "\"object 'io0' not found\"}}");
    client_close(c);
}

/* Check chardev and monitor option errors and the socket file's mode. */
static void test_option_errors(void)
{
    g_autofree char *path = sock_path("main.sock");
    g_autofree char *stale = sock_path("stale.sock");
    g_autofree char *stale_json = NULL;
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    struct stat st;
    Error *err = NULL;
    Chardev *chr;
    int fd;

    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_true(S_ISSOCK(st.st_mode));
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);

    expect_chardev_error("{\"id\": \"x\", \"backend\": \"socket\", "
                         "\"path\": \"/tmp/x\", \"server\": false, "
                         "\"wait\": false}", "Only server=on is supported");
    expect_chardev_error("{\"id\": \"x\", \"backend\": \"socket\", "
                         "\"path\": \"/tmp/x\", \"server\": true}",
                         "'wait=on' is not supported, use 'wait=off'");
    expect_chardev_error("{\"id\": \"x\", \"backend\": \"socket\", "
                         "\"server\": true, \"wait\": false}",
                         "chardev: socket: no host given");
    expect_chardev_error("{\"id\": \"x\", \"backend\": \"serial\"}",
                         "'serial' is not a valid char driver name");
    expect_chardev_error("{\"id\": \"mon\", \"backend\": \"stdio\"}",
                         "Chardev 'mon' already exists");

    g_assert_false(monitor_new_from_opts(
        parse_opts("{\"chardev\": \"mon\", \"mode\": \"readline\"}"), &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Only QMP is supported");
    error_free_or_abort(&err);
    g_assert_false(monitor_new_from_opts(
        parse_opts("{\"chardev\": \"nope\"}"), &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "chardev \"nope\" not found");
    error_free_or_abort(&err);
    g_assert_false(monitor_new_from_opts(
        parse_opts("{\"chardev\": \"mon\"}"), &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Device 'mon' is in use");
    error_free_or_abort(&err);

    /* A stale socket file is replaced; the file goes with the chardev. */
    g_strlcpy(addr.sun_path, stale, sizeof(addr.sun_path));
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    close(fd);
    stale_json = g_strdup_printf(
        "{\"id\": \"stale\", \"backend\": \"socket\", \"path\": \"%s\", "
        "\"server\": \"on\", \"wait\": \"off\"}", stale);
    chr = qemu_chr_new_from_opts(parse_opts(stale_json), &error_abort);
    g_assert_cmpint(stat(stale, &st), ==, 0);
    qemu_chr_delete(chr);
    g_assert_cmpint(stat(stale, &st), ==, -1);
}

static void check_format(const char *json, bool pretty, const char *expected)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autofree char *text = NULL;

    g_assert_true(json_parser_load_from_data(parser, json, -1, NULL));
    text = qobject_to_json(json_parser_get_root(parser), pretty);
    g_assert_cmpstr(text, ==, expected);
}

/* Check QEMU's output format: spacing, escapes, pretty layout. */
static void test_json_format(void)
{
    JsonNode *node = json_node_new(JSON_NODE_VALUE);

    check_format("{\"a\":[1,true,null,\"x\"],\"b\":{}}", false,
                 "{\"a\": [1, true, null, \"x\"], \"b\": {}}");
    check_format("{\"a\":[],\"b\":{\"c\":-2}}", true,
                 "{\n    \"a\": [\n    ],\n    \"b\": {\n"
                 "        \"c\": -2\n    }\n}");
    /* quote, backslash, control characters, DEL, non-ASCII, U+1F600 */
    check_format("\"q\\\"b\\\\n\\n\\t\\u0001\\u007f\xc3\xa9\xf0\x9f\x98\x80/\"",
                 false,
                 "\"q\\\"b\\\\n\\n\\t\\u0001\\u007F\\u00E9"
                 "\\uD83D\\uDE00/\"");
    check_format("[1.5, 9007199254740993]", false, "[1.5, 9007199254740993]");

    /* invalid UTF-8 (not from the parser, which rejects it) */
    json_node_set_string(node, "a\xff" "b");
    g_autofree char *text = qobject_to_json(node, false);
    g_assert_cmpstr(text, ==, "\"a\\uFFFDb\"");
    json_node_unref(node);
}

/* Check that quit answers first, then SHUTDOWN is sent. Runs last. */
static void test_quit(void)
{
    g_autofree char *path = sock_path("main.sock");
    Client *c = client_negotiated(path);
    g_autofree char *line = NULL;

    g_assert_false(main_loop_should_exit());
    client_expect(c, "{\"execute\": \"quit\"}", "{\"return\": {}}");
    g_assert_true(main_loop_should_exit());
    line = client_line(c);
    g_assert_nonnull(strstr(line, "\"event\": \"SHUTDOWN\", \"data\": "
                            "{\"guest\": false, \"reason\": "
                            "\"host-qmp-quit\"}}"));
    client_close(c);
}

int main(int argc, char **argv)
{
    g_autofree char *main_path = NULL;
    g_autofree char *second_path = NULL;
    int ret;

    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);
    tmpdir = g_dir_make_tmp("test-qmp-XXXXXX", NULL);
    g_assert_nonnull(tmpdir);
    main_path = sock_path("main.sock");
    second_path = sock_path("second.sock");
    monitor_init_globals();
    add_monitor("mon", main_path, false);
    add_monitor("mon2", second_path, true);

    g_test_add_func("/qmp/json-format", test_json_format);
    g_test_add_func("/qmp/greeting-and-negotiation",
                    test_greeting_and_negotiation);
    g_test_add_func("/qmp/parse-error-recovery", test_parse_error_recovery);
    g_test_add_func("/qmp/split-request", test_split_request);
    g_test_add_func("/qmp/events", test_events);
    g_test_add_func("/qmp/pretty", test_pretty);
    g_test_add_func("/qmp/client-vanishes", test_client_vanishes);
    g_test_add_func("/qmp/slow-reader", test_slow_reader);
    g_test_add_func("/qmp/eof-after-request", test_eof_after_request);
    g_test_add_func("/qmp/block-commands", test_block_commands);
    g_test_add_func("/qmp/objects", test_objects);
    g_test_add_func("/qmp/option-errors", test_option_errors);
    g_test_add_func("/qmp/quit", test_quit);
    ret = g_test_run();

    monitor_cleanup();
    qemu_chr_delete_all();
    /* the socket files are gone with their chardevs */
    g_assert_false(g_file_test(main_path, G_FILE_TEST_EXISTS));
    rmdir(tmpdir);
    g_free(tmpdir);
    return ret;
}
