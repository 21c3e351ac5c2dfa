/*
 * Unit tests for the QObject output visitor (qapi/qobject-output-visitor.c),
 * round trips through the input visitor, the dealloc visitor and the
 * generated event senders.
 */
#include "qemu/osdep.h"
#include "qemu/qdict.h"
#include "qemu/error.h"
#include "qapi/qobject-input-visitor.h"
#include "qapi/qobject-output-visitor.h"
#include "qapi/qapi-visit.h"
#include "qapi/qapi-events.h"

static JsonNode *parse_json(const char *text)
{
    return qobject_from_json(text, &error_abort);
}

static char *to_text(JsonNode *node)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();

    json_generator_set_root(gen, node);
    return json_generator_to_data(gen, NULL);
}

/* Assert that @node equals the JSON @expected (member order ignored). */
static void assert_json(JsonNode *node, const char *expected)
{
    g_autoptr(JsonNode) want = parse_json(expected);

    if (!json_node_equal(node, want)) {
        g_autofree char *got = to_text(node);

        g_test_message("got      %s", got);
        g_test_message("expected %s", expected);
        g_test_fail();
    }
}

static JsonNode *blockdev_to_json(BlockdevOptions *opts)
{
    Visitor *v = qobject_output_visitor_new();
    JsonNode *node = NULL;

    g_assert_true(visit_type_BlockdevOptions(v, NULL, &opts, &error_abort));
    visit_complete(v, &node);
    visit_free(v);
    g_assert_nonnull(node);
    return node;
}

/* Check that a C BlockdevOptions with a nested definition becomes the
 * JSON QMP expects: set flags only, enums as strings. */
static void test_blockdev_output(void)
{
    g_autoptr(BlockdevOptions) file = g_new0(BlockdevOptions, 1);
    g_autoptr(BlockdevOptions) raw = g_new0(BlockdevOptions, 1);
    g_autoptr(JsonNode) node = NULL;

    file->driver = BLOCKDEV_DRIVER_FILE;
    file->u.file.filename = g_strdup("/tmp/a.img");
    file->u.file.has_aio = true;
    file->u.file.aio = BLOCKDEV_AIO_OPTIONS_THREADS;
    file->cache = g_new0(BlockdevCacheOptions, 1);
    file->cache->has_direct = true;
    file->cache->direct = true;

    raw->driver = BLOCKDEV_DRIVER_RAW;
    raw->node_name = g_strdup("fmt");
    raw->has_read_only = true;
    raw->read_only = false;
    raw->u.raw.has_size = true;
    raw->u.raw.size = 1 << 20;
    raw->u.raw.file = g_new0(BlockdevRef, 1);
    raw->u.raw.file->type = QTYPE_QDICT;
    raw->u.raw.file->u.definition = g_steal_pointer(&file);

    node = blockdev_to_json(raw);
    assert_json(node,
                "{\"driver\": \"raw\", \"node-name\": \"fmt\","
                " \"read-only\": false, \"size\": 1048576,"
                " \"file\": {\"driver\": \"file\", \"filename\": \"/tmp/a.img\","
                "            \"aio\": \"threads\", \"cache\": {\"direct\": true}}}");
}

/* Check that the alternate's string branch is output as a string. */
static void test_blockdev_output_reference(void)
{
    g_autoptr(BlockdevOptions) raw = g_new0(BlockdevOptions, 1);
    g_autoptr(JsonNode) node = NULL;

    raw->driver = BLOCKDEV_DRIVER_RAW;
    raw->u.raw.file = g_new0(BlockdevRef, 1);
    raw->u.raw.file->type = QTYPE_QSTRING;
    raw->u.raw.file->u.reference = g_strdup("disk0");
    node = blockdev_to_json(raw);
    assert_json(node, "{\"driver\": \"raw\", \"file\": \"disk0\"}");
}

/* Visit @in as @type-visitor in the given mode, output it again and
 * compare with @out. */
typedef bool VisitFn(Visitor *v, const char *name, void **obj, Error **errp);

static void round_trip(VisitFn *visit, GDestroyNotify free_fn,
                       const char *in, bool keyval, const char *out)
{
    g_autoptr(JsonNode) root = parse_json(in);
    g_autoptr(JsonNode) result = NULL;
    Visitor *v = keyval ? qobject_input_visitor_new_keyval(root)
                        : qobject_input_visitor_new(root);
    void *obj = NULL;

    g_assert_true(visit(v, NULL, &obj, &error_abort));
    visit_free(v);
    v = qobject_output_visitor_new();
    g_assert_true(visit(v, NULL, &obj, &error_abort));
    visit_complete(v, &result);
    visit_free(v);
    free_fn(obj);
    assert_json(result, out);
}

#define ROUND_TRIP(type, in, keyval, out)                                 \
    round_trip((VisitFn *)visit_type_##type, (GDestroyNotify)qapi_free_##type, \
               in, keyval, out)

/* Check that JSON input survives input -> C -> output unchanged. */
static void test_round_trip_json(void)
{
    static const char *const blockdevs[] = {
        "{\"driver\": \"file\", \"node-name\": \"n\", \"filename\": \"f\","
        " \"locking\": \"on\", \"discard\": \"ignore\","
        " \"detect-zeroes\": \"on\", \"auto-read-only\": true,"
        " \"force-share\": false, \"cache\": {\"no-flush\": false}}",
        "{\"driver\": \"null-aio\", \"size\": 4096, \"latency-ns\": 7,"
        " \"read-zeroes\": true}",
        "{\"driver\": \"raw\", \"offset\": 0, \"file\": {\"driver\": \"raw\","
        " \"file\": {\"driver\": \"null-co\"}}}",
    };
    static const char *const exports[] = {
        "{\"type\": \"fuse\", \"id\": \"e\", \"node-name\": \"n\","
        " \"mountpoint\": \"/m\", \"writable\": true, \"writethrough\": true,"
        " \"allow-inactive\": false, \"fixed-iothread\": true,"
        " \"iothread\": \"io0\", \"growable\": false,"
        " \"allow-other\": \"on\"}",
        "{\"type\": \"fuse\", \"id\": \"e\", \"node-name\": \"n\","
        " \"mountpoint\": \"/m\", \"iothread\": [\"a\", \"b\"]}",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(blockdevs); i++) {
        ROUND_TRIP(BlockdevOptions, blockdevs[i], false, blockdevs[i]);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(exports); i++) {
        ROUND_TRIP(BlockExportOptions, exports[i], false, exports[i]);
    }
}

/* Check that keyval strings come out typed (bool, int) after a round
 * trip, alternates included. */
static void test_round_trip_keyval(void)
{
    ROUND_TRIP(BlockdevOptions,
               "{\"driver\": \"raw\", \"read-only\": \"on\","
               " \"offset\": \"512\", \"file\": {\"driver\": \"null-co\","
               " \"size\": \"1073741824\", \"read-zeroes\": \"off\"}}", true,
               "{\"driver\": \"raw\", \"read-only\": true, \"offset\": 512,"
               " \"file\": {\"driver\": \"null-co\", \"size\": 1073741824,"
               " \"read-zeroes\": false}}");
    ROUND_TRIP(BlockdevOptions,
               "{\"driver\": \"raw\", \"file\": \"disk0\"}", true,
               "{\"driver\": \"raw\", \"file\": \"disk0\"}");
    ROUND_TRIP(BlockExportOptions,
               "{\"type\": \"fuse\", \"id\": \"e\", \"node-name\": \"n\","
               " \"mountpoint\": \"/m\", \"writable\": \"on\","
               " \"growable\": \"on\", \"iothread\": [\"x\", \"y\"]}", true,
               "{\"type\": \"fuse\", \"id\": \"e\", \"node-name\": \"n\","
               " \"mountpoint\": \"/m\", \"writable\": true,"
               " \"growable\": true, \"iothread\": [\"x\", \"y\"]}");
    ROUND_TRIP(ObjectOptions,
               "{\"qom-type\": \"iothread\", \"id\": \"io0\","
               " \"poll-max-ns\": \"0\", \"aio-max-batch\": \"16\"}", true,
               "{\"qom-type\": \"iothread\", \"id\": \"io0\","
               " \"poll-max-ns\": 0, \"aio-max-batch\": 16}");
}

/* Check lists: a NULL list is [], elements keep their order. */
static void test_list_output(void)
{
    g_autoptr(JsonNode) node = NULL;
    BlockExportInfoList *list = NULL;
    Visitor *v;

    v = qobject_output_visitor_new();
    visit_type_BlockExportInfoList(v, NULL, &list, &error_abort);
    visit_complete(v, &node);
    visit_free(v);
    assert_json(node, "[]");
    json_node_unref(g_steal_pointer(&node));

    for (int i = 2; i >= 1; i--) {
        BlockExportInfoList *elem = g_new0(BlockExportInfoList, 1);

        elem->value = g_new0(BlockExportInfo, 1);
        elem->value->id = g_strdup_printf("exp%d", i);
        elem->value->type = BLOCK_EXPORT_TYPE_FUSE;
        elem->value->node_name = g_strdup("disk");
        elem->value->shutting_down = i == 2;
        elem->next = list;
        list = elem;
    }
    v = qobject_output_visitor_new();
    visit_type_BlockExportInfoList(v, NULL, &list, &error_abort);
    visit_complete(v, &node);
    visit_free(v);
    qapi_free_BlockExportInfoList(list);
    assert_json(node,
                "[{\"id\": \"exp1\", \"type\": \"fuse\", \"node-name\": \"disk\","
                "  \"shutting-down\": false},"
                " {\"id\": \"exp2\", \"type\": \"fuse\", \"node-name\": \"disk\","
                "  \"shutting-down\": true}]");
}

/* Check that the free functions accept NULL and partially built objects
 * (what the input visitor leaves behind on errors). */
static void test_free_partial(void)
{
    BlockdevOptions *o = g_new0(BlockdevOptions, 1);
    BlockExportOptions *e = g_new0(BlockExportOptions, 1);

    qapi_free_BlockdevOptions(NULL);
    o->driver = BLOCKDEV_DRIVER_RAW;
    o->u.raw.file = g_new0(BlockdevRef, 1);   /* type still QTYPE_NONE */
    qapi_free_BlockdevOptions(o);
    e->iothread = g_new0(BlockExportIothreads, 1);
    e->iothread->type = QTYPE_QLIST;
    e->iothread->u.multi = g_new0(strList, 1); /* value NULL */
    qapi_free_BlockExportOptions(e);
}

/* The monitor implements qapi_event_emit(); here it records the last
 * event. Only touched by the test thread. */
static char *last_event_name;
static JsonObject *last_event_data;

void qapi_event_emit(const char *name, JsonObject *data)
{
    g_free(last_event_name);
    if (last_event_data) {
        json_object_unref(last_event_data);
    }
    last_event_name = g_strdup(name);
    last_event_data = data;
}

static void assert_event(const char *name, const char *data)
{
    g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);

    g_assert_cmpstr(last_event_name, ==, name);
    g_assert_nonnull(last_event_data);
    json_node_set_object(node, last_event_data);
    assert_json(node, data);
}

/* Check that the generated senders build the events' data objects. */
static void test_events(void)
{
    qapi_event_send_block_export_deleted("exp0");
    assert_event("BLOCK_EXPORT_DELETED", "{\"id\": \"exp0\"}");
    qapi_event_send_shutdown(false, SHUTDOWN_CAUSE_HOST_QMP_QUIT);
    assert_event("SHUTDOWN", "{\"guest\": false, \"reason\": \"host-qmp-quit\"}");
    qapi_event_send_shutdown(false, SHUTDOWN_CAUSE_HOST_SIGNAL);
    assert_event("SHUTDOWN", "{\"guest\": false, \"reason\": \"host-signal\"}");
    g_assert_cmpstr(QAPIEvent_str(QAPI_EVENT_SHUTDOWN), ==, "SHUTDOWN");
    qapi_event_emit(NULL, NULL);
}

/* Check the enum lookup helpers. */
static void test_enum_lookup(void)
{
    Error *err = NULL;

    g_assert_cmpstr(BlockdevDriver_str(BLOCKDEV_DRIVER_NULL_CO), ==,
                    "null-co");
    g_assert_cmpstr(BlockdevAioOptions_str(BLOCKDEV_AIO_OPTIONS_IO_URING),
                    ==, "io_uring");
    g_assert_cmpstr(OnOffAuto_str(42), ==, "<invalid>");
    g_assert_cmpint(qapi_enum_parse(&ShutdownCause_lookup, "host-signal",
                                    -1, &error_abort),
                    ==, SHUTDOWN_CAUSE_HOST_SIGNAL);
    g_assert_cmpint(qapi_enum_parse(&ShutdownCause_lookup, "bogus", -1,
                                    &err), ==, -1);
    g_assert_cmpstr(error_get_pretty(err), ==, "Invalid parameter 'bogus'");
    error_free(err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qobject-output/blockdev", test_blockdev_output);
    g_test_add_func("/qobject-output/blockdev-reference",
                    test_blockdev_output_reference);
    g_test_add_func("/qobject-output/round-trip/json", test_round_trip_json);
    g_test_add_func("/qobject-output/round-trip/keyval",
                    test_round_trip_keyval);
    g_test_add_func("/qobject-output/list", test_list_output);
    g_test_add_func("/qobject-output/free-partial", test_free_partial);
    g_test_add_func("/qobject-output/events", test_events);
    g_test_add_func("/qobject-output/enum-lookup", test_enum_lookup);
    return g_test_run();
}
