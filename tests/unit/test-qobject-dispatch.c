/*
 * Unit tests for QMP dispatch (qapi/qmp-dispatch.c, qapi/qmp-registry.c)
 * and the generated marshallers (qapi-commands.c). The command handlers
 * below are test doubles that record their arguments; the real ones live
 * in the monitor, block and export code.
 */
#include "qemu/osdep.h"
#include "qemu/qdict.h"
#include "qemu/error.h"
#include "qemu/aio.h"
#include "qemu/coroutine.h"
#include "qapi/qapi-commands.h"

/* What the last handler saw. Only touched by the test thread. */
static struct {
    char *name;
    char *detail;
    bool in_coroutine;
} last;

static void record(const char *name, char *detail)
{
    g_free(last.name);
    g_free(last.detail);
    last.name = g_strdup(name);
    last.detail = detail;
    last.in_coroutine = qemu_in_coroutine();
}

void qmp_blockdev_add(BlockdevOptions *arg, Error **errp)
{
    record("blockdev-add", g_strdup_printf("%s/%s",
                                           BlockdevDriver_str(arg->driver),
                                           arg->node_name ?: "-"));
}

void qmp_blockdev_del(const char *node_name, Error **errp)
{
    record("blockdev-del", g_strdup(node_name));
}

BlockDeviceInfoList *qmp_query_named_block_nodes(bool has_flat, bool flat,
                                                 Error **errp)
{
    record("query-named-block-nodes", g_strdup(has_flat ? "flat" : "-"));
    return NULL;
}

void coroutine_fn qmp_block_resize(const char *device, const char *node_name,
                                   int64_t size, Error **errp)
{
    record("block_resize", g_strdup_printf("%s/%" PRId64, node_name, size));
    /* A coroutine command may yield; prove it can. */
    qemu_co_sleep_ns(1000);
    if (size < 0) {
        error_setg(errp, "Parameter 'size' expects a >0 size");
    }
}

void qmp_block_export_add(BlockExportOptions *arg, Error **errp)
{
    record("block-export-add", g_strdup(arg->id));
}

void qmp_block_export_del(const char *id, bool has_mode,
                          BlockExportRemoveMode mode, Error **errp)
{
    record("block-export-del",
           g_strdup_printf("%s/%s", id,
                           has_mode ? BlockExportRemoveMode_str(mode) : "-"));
    error_setg(errp, "Export '%s' is not found", id);
}

BlockExportInfoList *qmp_query_block_exports(Error **errp)
{
    BlockExportInfoList *l = g_new0(BlockExportInfoList, 1);

    record("query-block-exports", NULL);
    l->value = g_new0(BlockExportInfo, 1);
    l->value->id = g_strdup("exp0");
    l->value->node_name = g_strdup("disk0");
    l->value->type = BLOCK_EXPORT_TYPE_FUSE;
    return l;
}

void qmp_qmp_capabilities(QMPCapabilityList *enable, Error **errp)
{
    record("qmp_capabilities", NULL);
    if (enable) {
        error_setg(errp, "Capability '%s' not available",
                   QMPCapability_str(enable->value));
    }
}

VersionInfo *qmp_query_version(Error **errp)
{
    VersionInfo *info = g_new0(VersionInfo, 1);

    record("query-version", NULL);
    info->qemu = g_new0(VersionTriple, 1);
    info->qemu->minor = 1;
    info->package = g_strdup("test");
    return info;
}

CommandInfoList *qmp_query_commands(Error **errp)
{
    record("query-commands", NULL);
    return NULL;
}

void qmp_quit(Error **errp)
{
    record("quit", NULL);
}

void qmp_object_add(ObjectOptions *arg, Error **errp)
{
    record("object-add", g_strdup_printf("%s/%" PRId64, arg->id,
                                         arg->u.iothread.poll_max_ns));
}

void qmp_object_del(const char *id, Error **errp)
{
    record("object-del", g_strdup(id));
}

static QmpCommandList *commands;

static JsonNode *parse_json(const char *text)
{
    return qobject_from_json(text, &error_abort);
}

/* Dispatch @request outside coroutine context and return the response
 * as a node. */
static JsonNode *dispatch(const char *request, bool cap_negotiation)
{
    g_autoptr(JsonNode) req = parse_json(request);
    JsonNode *rsp = json_node_new(JSON_NODE_OBJECT);

    json_node_take_object(rsp, qmp_dispatch(commands, req, cap_negotiation));
    return rsp;
}

static void assert_json(JsonNode *node, const char *expected)
{
    g_autoptr(JsonNode) want = parse_json(expected);

    if (!json_node_equal(node, want)) {
        g_autoptr(JsonGenerator) gen = json_generator_new();
        g_autofree char *got = NULL;

        json_generator_set_root(gen, node);
        got = json_generator_to_data(gen, NULL);
        g_test_message("got      %s", got);
        g_test_message("expected %s", expected);
        g_test_fail();
    }
}

static void check(const char *request, bool cap_negotiation,
                  const char *response)
{
    g_autoptr(JsonNode) rsp = dispatch(request, cap_negotiation);

    assert_json(rsp, response);
}

/* Check that registration keeps the schema order and lookups work. */
static void collect_name(const QmpCommand *cmd, void *opaque)
{
    g_ptr_array_add(opaque, (gpointer)cmd->name);
}

static void test_registry(void)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    const QmpCommand *cmd;

    qmp_for_each_command(commands, collect_name, names);
    g_assert_cmpuint(names->len, ==, 14);
    g_assert_cmpstr(g_ptr_array_index(names, 0), ==, "blockdev-add");
    cmd = qmp_find_command(commands, "block_resize");
    g_assert_nonnull(cmd);
    g_assert_true(cmd->options & QCO_COROUTINE);
    g_assert_true(cmd->enabled);
    cmd = qmp_find_command(commands, "quit");
    g_assert_false(cmd->options & QCO_COROUTINE);
    g_assert_null(qmp_find_command(commands, "quit2"));
}

/* Check the return value conversion and that "id" is echoed. */
static void test_return_and_id(void)
{
    check("{\"execute\": \"query-version\", \"id\": 7}", false,
          "{\"return\": {\"qemu\": {\"major\": 0, \"minor\": 1, \"micro\": 0},"
          " \"package\": \"test\"}, \"id\": 7}");
    check("{\"execute\": \"query-block-exports\", \"id\": {\"x\": [1]}}", false,
          "{\"return\": [{\"id\": \"exp0\", \"type\": \"fuse\","
          " \"node-name\": \"disk0\", \"shutting-down\": false}],"
          " \"id\": {\"x\": [1]}}");
    check("{\"execute\": \"query-named-block-nodes\"}", false,
          "{\"return\": []}");
    check("{\"execute\": \"quit\", \"arguments\": {}}", false,
          "{\"return\": {}}");
    g_assert_cmpstr(last.name, ==, "quit");
}

/* Check that arguments reach the handlers converted to C. */
static void test_arguments(void)
{
    check("{\"execute\": \"blockdev-add\", \"arguments\": {\"driver\": "
          "\"null-co\", \"node-name\": \"n0\", \"size\": 512}}", false,
          "{\"return\": {}}");
    g_assert_cmpstr(last.name, ==, "blockdev-add");
    g_assert_cmpstr(last.detail, ==, "null-co/n0");
    check("{\"execute\": \"block-export-add\", \"arguments\": {\"type\": "
          "\"fuse\", \"id\": \"e1\", \"node-name\": \"n0\","
          " \"mountpoint\": \"/m\"}}", false, "{\"return\": {}}");
    g_assert_cmpstr(last.detail, ==, "e1");
    check("{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
          "\"iothread\", \"id\": \"io0\", \"poll-max-ns\": 10}}", false,
          "{\"return\": {}}");
    g_assert_cmpstr(last.detail, ==, "io0/10");
    check("{\"execute\": \"query-named-block-nodes\","
          " \"arguments\": {\"flat\": true}}", false, "{\"return\": []}");
    g_assert_cmpstr(last.detail, ==, "flat");
}

/* Check that argument errors use the visitor texts and the handler is
 * not called. */
static void test_argument_errors(void)
{
    g_free(last.name);
    last.name = NULL;
    check("{\"execute\": \"blockdev-del\", \"arguments\": {}}", false,
          "{\"error\": {\"class\": \"GenericError\","
          " \"desc\": \"Parameter 'node-name' is missing\"}}");
    check("{\"execute\": \"blockdev-del\", \"arguments\": {\"node-name\": "
          "\"a\", \"force\": true}}", false,
          "{\"error\": {\"class\": \"GenericError\","
          " \"desc\": \"Parameter 'force' is unexpected\"}}");
    check("{\"execute\": \"quit\", \"arguments\": {\"now\": true}}", false,
          "{\"error\": {\"class\": \"GenericError\","
          " \"desc\": \"Parameter 'now' is unexpected\"}}");
    check("{\"execute\": \"block-export-del\", \"arguments\": {\"id\": 5}}",
          false,
          "{\"error\": {\"class\": \"GenericError\","
          " \"desc\": \"Invalid parameter type for 'id', expected: string\"}}");
    check("{\"execute\": \"block-export-del\","
          " \"arguments\": {\"id\": \"e\", \"mode\": \"soft\"}}", false,
          "{\"error\": {\"class\": \"GenericError\","
          " \"desc\": \"Parameter 'mode' does not accept value 'soft'\"}}");
    g_assert_null(last.name);
}

/* Check that a handler's error becomes the error response, with id. */
static void test_handler_error(void)
{
    check("{\"execute\": \"block-export-del\", \"id\": \"a\","
          " \"arguments\": {\"id\": \"nope\", \"mode\": \"hard\"}}", false,
          "{\"error\": {\"class\": \"GenericError\","
          " \"desc\": \"Export 'nope' is not found\"}, \"id\": \"a\"}");
    g_assert_cmpstr(last.detail, ==, "nope/hard");
}

/* Check QMP's texts for malformed requests. */
static void test_bad_requests(void)
{
    check("[1, 2]", false,
          "{\"error\": {\"class\": \"GenericError\","
          " \"desc\": \"QMP input must be a JSON object\"}}");
    check("{\"id\": 1}", false,
          "{\"error\": {\"class\": \"GenericError\","
          " \"desc\": \"QMP input lacks member 'execute'\"}, \"id\": 1}");
    check("{\"execute\": 1}", false,
          "{\"error\": {\"class\": \"GenericError\","
          " \"desc\": \"QMP input member 'execute' must be a string\"}}");
    check("{\"execute\": \"quit\", \"arguments\": []}", false,
          "{\"error\": {\"class\": \"GenericError\","
          " \"desc\": \"QMP input member 'arguments' must be an object\"}}");
    check("{\"execute\": \"quit\", \"extra\": 1}", false,
          "{\"error\": {\"class\": \"GenericError\","
          " \"desc\": \"QMP input member 'extra' is unexpected\"}}");
    check("{\"execute\": \"no-such-command\"}", false,
          "{\"error\": {\"class\": \"CommandNotFound\","
          " \"desc\": \"The command no-such-command has not been found\"}}");
}

/* Check capabilities negotiation: only qmp_capabilities before, and it
 * is refused after. */
static void test_negotiation(void)
{
    check("{\"execute\": \"query-version\"}", true,
          "{\"error\": {\"class\": \"CommandNotFound\", \"desc\":"
          " \"Expecting capabilities negotiation with 'qmp_capabilities'\"}}");
    check("{\"execute\": \"no-such-command\"}", true,
          "{\"error\": {\"class\": \"CommandNotFound\", \"desc\":"
          " \"Expecting capabilities negotiation with 'qmp_capabilities'\"}}");
    check("{\"execute\": \"qmp_capabilities\"}", true, "{\"return\": {}}");
    check("{\"execute\": \"qmp_capabilities\","
          " \"arguments\": {\"enable\": [\"oob\"]}}", true,
          "{\"error\": {\"class\": \"GenericError\","
          " \"desc\": \"Capability 'oob' not available\"}}");
    check("{\"execute\": \"qmp_capabilities\"}", false,
          "{\"error\": {\"class\": \"CommandNotFound\", \"desc\":"
          " \"Capabilities negotiation is already complete, command"
          " ignored\"}}");
}

/* Check that a QCO_COROUTINE command dispatched outside a coroutine runs
 * in one and may yield. */
static void test_coroutine_command_outside(void)
{
    check("{\"execute\": \"block_resize\","
          " \"arguments\": {\"node-name\": \"n\", \"size\": 4096}}", false,
          "{\"return\": {}}");
    g_assert_cmpstr(last.detail, ==, "n/4096");
    g_assert_true(last.in_coroutine);
    check("{\"execute\": \"block_resize\","
          " \"arguments\": {\"node-name\": \"n\", \"size\": -1}}", false,
          "{\"error\": {\"class\": \"GenericError\","
          " \"desc\": \"Parameter 'size' expects a >0 size\"}}");
}

typedef struct CoDispatch {
    const char *request;
    JsonObject *rsp;
    bool done;
} CoDispatch;

static void coroutine_fn co_dispatch_entry(void *opaque)
{
    CoDispatch *d = opaque;
    g_autoptr(JsonNode) req = parse_json(d->request);

    d->rsp = qmp_dispatch(commands, req, false);
    d->done = true;
}

static JsonNode *dispatch_in_coroutine(const char *request)
{
    CoDispatch d = { .request = request };
    JsonNode *rsp = json_node_new(JSON_NODE_OBJECT);

    qemu_coroutine_enter(qemu_coroutine_create(co_dispatch_entry, &d));
    while (!d.done) {
        aio_poll(qemu_get_aio_context(), true);
    }
    json_node_take_object(rsp, d.rsp);
    return rsp;
}

/* Check that from a coroutine (as the monitor calls it), coroutine
 * commands run in that coroutine and the others outside any coroutine. */
static void test_dispatch_in_coroutine(void)
{
    g_autoptr(JsonNode) r1 = dispatch_in_coroutine(
        "{\"execute\": \"blockdev-del\", \"arguments\": {\"node-name\": \"x\"},"
        " \"id\": 1}");
    g_autoptr(JsonNode) r2 = NULL;

    assert_json(r1, "{\"return\": {}, \"id\": 1}");
    g_assert_cmpstr(last.name, ==, "blockdev-del");
    g_assert_false(last.in_coroutine);

    r2 = dispatch_in_coroutine("{\"execute\": \"block_resize\","
                               " \"arguments\": {\"device\": \"d\","
                               " \"size\": 1}}");
    assert_json(r2, "{\"return\": {}}");
    g_assert_cmpstr(last.name, ==, "block_resize");
    g_assert_true(last.in_coroutine);
}

/* Check query-qmp-schema: an array, and no arguments accepted. */
static void test_query_qmp_schema(void)
{
    g_autoptr(JsonNode) rsp = dispatch("{\"execute\": \"query-qmp-schema\"}",
                                       false);
    JsonNode *ret = json_object_get_member(json_node_get_object(rsp),
                                           "return");

    g_assert_nonnull(ret);
    g_assert_true(JSON_NODE_HOLDS_ARRAY(ret));
    g_assert_cmpuint(json_array_get_length(json_node_get_array(ret)), >, 50);
    check("{\"execute\": \"query-qmp-schema\", \"arguments\": {\"x\": 1}}",
          false,
          "{\"error\": {\"class\": \"GenericError\","
          " \"desc\": \"Parameter 'x' is unexpected\"}}");
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);
    commands = qmp_command_list_new();
    qmp_init_marshal(commands);

    g_test_add_func("/qmp-dispatch/registry", test_registry);
    g_test_add_func("/qmp-dispatch/return-and-id", test_return_and_id);
    g_test_add_func("/qmp-dispatch/arguments", test_arguments);
    g_test_add_func("/qmp-dispatch/argument-errors", test_argument_errors);
    g_test_add_func("/qmp-dispatch/handler-error", test_handler_error);
    g_test_add_func("/qmp-dispatch/bad-requests", test_bad_requests);
    g_test_add_func("/qmp-dispatch/negotiation", test_negotiation);
    g_test_add_func("/qmp-dispatch/coroutine-command-outside",
                    test_coroutine_command_outside);
    g_test_add_func("/qmp-dispatch/in-coroutine", test_dispatch_in_coroutine);
    g_test_add_func("/qmp-dispatch/query-qmp-schema", test_query_qmp_schema);
    ret = g_test_run();

    qmp_command_list_free(commands);
    g_free(last.name);
    g_free(last.detail);
    return ret;
}
