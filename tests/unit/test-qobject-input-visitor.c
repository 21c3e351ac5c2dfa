/*
 * Unit tests for the QObject input visitor (qapi/qobject-input-visitor.c)
 * and the generated visitors of the storage-daemon schema, in JSON mode
 * (typed scalars, as QMP sends them) and keyval mode (all strings, as
 * --blockdev key=value produces them).
 */
#include "qemu/osdep.h"
#include "qemu/qdict.h"
#include "qemu/error.h"
#include "qapi/qobject-input-visitor.h"
#include "qapi/qapi-visit.h"
#include "qapi/qapi-introspect.h"
#include "qemu/keyval.h"

static JsonNode *parse_json(const char *text)
{
    return qobject_from_json(text, &error_abort);
}

static Visitor *visitor_for(const char *text, bool keyval, JsonNode **root)
{
    *root = parse_json(text);
    return keyval ? qobject_input_visitor_new_keyval(*root)
                  : qobject_input_visitor_new(*root);
}

static BlockdevOptions *blockdev_ok(const char *text, bool keyval)
{
    g_autoptr(JsonNode) root = NULL;
    Visitor *v = visitor_for(text, keyval, &root);
    BlockdevOptions *opts = NULL;
    Error *err = NULL;

    visit_type_BlockdevOptions(v, NULL, &opts, &err);
    visit_free(v);
    if (err) {
        g_test_message("%s: %s", text, error_get_pretty(err));
    }
    g_assert_null(err);
    g_assert_nonnull(opts);
    return opts;
}

static BlockExportOptions *export_ok(const char *text, bool keyval)
{
    g_autoptr(JsonNode) root = NULL;
    Visitor *v = visitor_for(text, keyval, &root);
    BlockExportOptions *opts = NULL;
    Error *err = NULL;

    visit_type_BlockExportOptions(v, NULL, &opts, &err);
    visit_free(v);
    if (err) {
        g_test_message("%s: %s", text, error_get_pretty(err));
    }
    g_assert_null(err);
    g_assert_nonnull(opts);
    return opts;
}

/* Visit @text as BlockdevOptions (or BlockExportOptions with @export),
 * expect failure with @msg and a NULL result. */
static void check_error(const char *text, bool keyval, bool export,
                        const char *msg)
{
    g_autoptr(JsonNode) root = NULL;
    Visitor *v = visitor_for(text, keyval, &root);
    Error *err = NULL;
    bool ok;

    if (export) {
        BlockExportOptions *opts = (BlockExportOptions *)&err; /* poison */

        ok = visit_type_BlockExportOptions(v, NULL, &opts, &err);
        g_assert_null(opts);
    } else {
        BlockdevOptions *opts = (BlockdevOptions *)&err;       /* poison */

        ok = visit_type_BlockdevOptions(v, NULL, &opts, &err);
        g_assert_null(opts);
    }
    visit_free(v);
    g_assert_false(ok);
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, msg);
    error_free(err);
}

/* Check that a file node in JSON fills every member, flags included. */
static void test_blockdev_file_json(void)
{
    g_autoptr(BlockdevOptions) o = blockdev_ok(
        "{\"driver\": \"file\", \"node-name\": \"disk0\","
        " \"filename\": \"/tmp/a.img\", \"aio\": \"io_uring\","
        " \"locking\": \"off\", \"read-only\": true,"
        " \"discard\": \"unmap\", \"detect-zeroes\": \"unmap\","
        " \"cache\": {\"direct\": true}}", false);

    g_assert_cmpint(o->driver, ==, BLOCKDEV_DRIVER_FILE);
    g_assert_cmpstr(o->node_name, ==, "disk0");
    g_assert_true(o->has_read_only && o->read_only);
    g_assert_false(o->has_auto_read_only);
    g_assert_false(o->has_force_share);
    g_assert_true(o->has_discard);
    g_assert_cmpint(o->discard, ==, BLOCKDEV_DISCARD_OPTIONS_UNMAP);
    g_assert_cmpint(o->detect_zeroes, ==,
                    BLOCKDEV_DETECT_ZEROES_OPTIONS_UNMAP);
    g_assert_nonnull(o->cache);
    g_assert_true(o->cache->has_direct && o->cache->direct);
    g_assert_false(o->cache->has_no_flush);
    g_assert_cmpstr(o->u.file.filename, ==, "/tmp/a.img");
    g_assert_true(o->u.file.has_aio);
    g_assert_cmpint(o->u.file.aio, ==, BLOCKDEV_AIO_OPTIONS_IO_URING);
    g_assert_cmpint(o->u.file.locking, ==, ON_OFF_AUTO_OFF);
}

/* Check that absent optional members leave NULL pointers and false flags. */
static void test_blockdev_optional_absent(void)
{
    g_autoptr(BlockdevOptions) o = blockdev_ok(
        "{\"driver\": \"null-co\"}", false);

    g_assert_cmpint(o->driver, ==, BLOCKDEV_DRIVER_NULL_CO);
    g_assert_null(o->node_name);
    g_assert_null(o->cache);
    g_assert_false(o->has_read_only);
    g_assert_false(o->u.null_co.has_size);
    g_assert_false(o->u.null_co.has_latency_ns);
    g_assert_false(o->u.null_co.has_read_zeroes);
}

/* Check that BlockdevRef given as an object is the 'definition' branch,
 * recursively visited. */
static void test_blockdev_ref_definition(void)
{
    g_autoptr(BlockdevOptions) o = blockdev_ok(
        "{\"driver\": \"raw\", \"node-name\": \"fmt\", \"offset\": 4096,"
        " \"size\": 8192,"
        " \"file\": {\"driver\": \"null-aio\", \"size\": 1048576,"
        "            \"latency-ns\": 500, \"read-zeroes\": true}}", false);
    BlockdevRef *ref = o->u.raw.file;

    g_assert_cmpint(o->u.raw.offset, ==, 4096);
    g_assert_cmpint(o->u.raw.size, ==, 8192);
    g_assert_nonnull(ref);
    g_assert_cmpint(ref->type, ==, QTYPE_QDICT);
    g_assert_cmpint(ref->u.definition->driver, ==, BLOCKDEV_DRIVER_NULL_AIO);
    g_assert_cmpint(ref->u.definition->u.null_aio.size, ==, 1048576);
    g_assert_cmpuint(ref->u.definition->u.null_aio.latency_ns, ==, 500);
    g_assert_true(ref->u.definition->u.null_aio.read_zeroes);
}

/* Check that BlockdevRef given as a string is the 'reference' branch. */
static void test_blockdev_ref_reference(void)
{
    g_autoptr(BlockdevOptions) o = blockdev_ok(
        "{\"driver\": \"raw\", \"file\": \"disk0\"}", false);

    g_assert_cmpint(o->u.raw.file->type, ==, QTYPE_QSTRING);
    g_assert_cmpstr(o->u.raw.file->u.reference, ==, "disk0");
    g_assert_false(o->u.raw.has_offset);
}

/* Check that keyval strings are converted by the expected type: on/off
 * and yes/no bools, decimal and hex integers, nested objects, and the
 * alternate by its shape. */
static void test_blockdev_keyval(void)
{
    g_autoptr(BlockdevOptions) o = blockdev_ok(
        "{\"driver\": \"raw\", \"node-name\": \"fmt\", \"read-only\": \"on\","
        " \"force-share\": \"yes\", \"auto-read-only\": \"off\","
        " \"offset\": \"0x200\","
        " \"file\": {\"driver\": \"file\", \"filename\": \"/x,y\","
        "            \"cache\": {\"no-flush\": \"on\"},"
        "            \"locking\": \"auto\"}}", true);
    BlockdevOptions *file;

    g_assert_true(o->has_read_only && o->read_only);
    g_assert_true(o->has_force_share && o->force_share);
    g_assert_true(o->has_auto_read_only && !o->auto_read_only);
    g_assert_cmpint(o->u.raw.offset, ==, 512);
    g_assert_cmpint(o->u.raw.file->type, ==, QTYPE_QDICT);
    file = o->u.raw.file->u.definition;
    g_assert_cmpstr(file->u.file.filename, ==, "/x,y");
    g_assert_true(file->cache->has_no_flush && file->cache->no_flush);
    g_assert_cmpint(file->u.file.locking, ==, ON_OFF_AUTO_AUTO);
}

/* Check that a keyval string for BlockdevRef is a node reference. */
static void test_blockdev_keyval_reference(void)
{
    g_autoptr(BlockdevOptions) o = blockdev_ok(
        "{\"driver\": \"raw\", \"file\": \"disk0\", \"size\": \"-1\"}", true);

    g_assert_cmpint(o->u.raw.file->type, ==, QTYPE_QSTRING);
    g_assert_cmpstr(o->u.raw.file->u.reference, ==, "disk0");
    g_assert_cmpint(o->u.raw.size, ==, -1);
}

/* Check the real command-line pipeline: keyval_parse() output visited
 * in keyval mode, with dotted keys, ",," escapes and list indices. */
static void test_keyval_parse_pipeline(void)
{
    g_autoptr(JsonObject) bd = keyval_parse(
        "driver=raw,node-name=fmt,read-only=on,file.driver=file,"
        "file.filename=/tmp/a,,b.img,file.aio=threads", NULL, NULL,
        &error_abort);
    g_autoptr(JsonObject) ex = keyval_parse(
        "type=fuse,id=e,node-name=fmt,mountpoint=/m,writable=on,"
        "iothread.0=io0,iothread.1=io1", NULL, NULL, &error_abort);
    g_autoptr(JsonObject) obj = keyval_parse("iothread,id=io0,poll-max-ns=0",
                                             "qom-type", NULL, &error_abort);
    g_autoptr(BlockdevOptions) b = NULL;
    g_autoptr(BlockExportOptions) e = NULL;
    g_autoptr(ObjectOptions) o = NULL;
    Visitor *v;

    v = qobject_input_visitor_new_object(bd, true);
    g_assert_true(visit_type_BlockdevOptions(v, NULL, &b, &error_abort));
    visit_free(v);
    g_assert_true(b->read_only);
    g_assert_cmpint(b->u.raw.file->type, ==, QTYPE_QDICT);
    g_assert_cmpstr(b->u.raw.file->u.definition->u.file.filename, ==,
                    "/tmp/a,b.img");

    v = qobject_input_visitor_new_object(ex, true);
    g_assert_true(visit_type_BlockExportOptions(v, NULL, &e, &error_abort));
    visit_free(v);
    g_assert_cmpint(e->iothread->type, ==, QTYPE_QLIST);
    g_assert_cmpstr(e->iothread->u.multi->next->value, ==, "io1");

    v = qobject_input_visitor_new_object(obj, true);
    g_assert_true(visit_type_ObjectOptions(v, NULL, &o, &error_abort));
    visit_free(v);
    g_assert_cmpint(o->qom_type, ==, OBJECT_TYPE_IOTHREAD);
    g_assert_cmpstr(o->id, ==, "io0");
    g_assert_true(o->u.iothread.has_poll_max_ns);
    g_assert_cmpint(o->u.iothread.poll_max_ns, ==, 0);
}

/* Check the FUSE export options and 'iothread' as a single string. */
static void test_export_json_single_iothread(void)
{
    g_autoptr(BlockExportOptions) o = export_ok(
        "{\"type\": \"fuse\", \"id\": \"exp0\", \"node-name\": \"disk0\","
        " \"mountpoint\": \"/tmp/m\", \"writable\": true,"
        " \"growable\": true, \"allow-other\": \"off\","
        " \"iothread\": \"io0\", \"fixed-iothread\": false}", false);

    g_assert_cmpint(o->type, ==, BLOCK_EXPORT_TYPE_FUSE);
    g_assert_cmpstr(o->id, ==, "exp0");
    g_assert_cmpstr(o->node_name, ==, "disk0");
    g_assert_true(o->has_writable && o->writable);
    g_assert_false(o->has_writethrough);
    g_assert_true(o->has_fixed_iothread && !o->fixed_iothread);
    g_assert_false(o->has_allow_inactive);
    g_assert_cmpint(o->iothread->type, ==, QTYPE_QSTRING);
    g_assert_cmpstr(o->iothread->u.single, ==, "io0");
    g_assert_cmpstr(o->u.fuse.mountpoint, ==, "/tmp/m");
    g_assert_true(o->u.fuse.has_growable && o->u.fuse.growable);
    g_assert_cmpint(o->u.fuse.allow_other, ==, FUSE_EXPORT_ALLOW_OTHER_OFF);
}

/* Check 'iothread' as a list, in JSON and keyval (iothread.0=...). */
static void test_export_iothread_list(void)
{
    for (int keyval = 0; keyval < 2; keyval++) {
        g_autoptr(BlockExportOptions) o = export_ok(
            "{\"type\": \"fuse\", \"id\": \"e\", \"node-name\": \"n\","
            " \"mountpoint\": \"/m\", \"iothread\": [\"a\", \"b\", \"c\"]}",
            keyval);
        strList *l;

        g_assert_cmpint(o->iothread->type, ==, QTYPE_QLIST);
        l = o->iothread->u.multi;
        g_assert_cmpstr(l->value, ==, "a");
        g_assert_cmpstr(l->next->value, ==, "b");
        g_assert_cmpstr(l->next->next->value, ==, "c");
        g_assert_null(l->next->next->next);
        g_assert_false(o->u.fuse.has_allow_other);
    }
}

/* Check that keyval export options convert writable=on. */
static void test_export_keyval(void)
{
    g_autoptr(BlockExportOptions) o = export_ok(
        "{\"type\": \"fuse\", \"id\": \"e\", \"node-name\": \"n\","
        " \"mountpoint\": \"/m\", \"writable\": \"on\","
        " \"growable\": \"off\", \"allow-other\": \"auto\"}", true);

    g_assert_true(o->writable);
    g_assert_true(o->u.fuse.has_growable && !o->u.fuse.growable);
    g_assert_cmpint(o->u.fuse.allow_other, ==, FUSE_EXPORT_ALLOW_OTHER_AUTO);
    g_assert_null(o->iothread);
}

/* Check "Parameter '%s' is missing", with dotted paths for nesting. */
static void test_error_missing(void)
{
    check_error("{\"driver\": \"file\"}", false, false,
                "Parameter 'filename' is missing");
    check_error("{\"filename\": \"x\"}", false, false,
                "Parameter 'driver' is missing");
    check_error("{\"driver\": \"raw\", \"file\": {\"driver\": \"file\"}}",
                false, false, "Parameter 'file.filename' is missing");
    check_error("{\"driver\": \"raw\"}", true, false,
                "Parameter 'file' is missing");
    check_error("{\"type\": \"fuse\", \"id\": \"e\", \"node-name\": \"n\"}",
                false, true, "Parameter 'mountpoint' is missing");
}

/* Check "Parameter '%s' is unexpected" for leftovers, nested too. */
static void test_error_unexpected(void)
{
    check_error("{\"driver\": \"file\", \"filename\": \"x\", \"bogus\": 1}",
                false, false, "Parameter 'bogus' is unexpected");
    check_error("{\"driver\": \"null-co\", \"filename\": \"x\"}",
                false, false, "Parameter 'filename' is unexpected");
    check_error("{\"driver\": \"raw\", \"file\": {\"driver\": \"null-co\","
                " \"cache\": {\"direct\": \"on\", \"writeback\": \"on\"}}}",
                true, false, "Parameter 'file.cache.writeback' is unexpected");
    check_error("{\"type\": \"fuse\", \"id\": \"e\", \"node-name\": \"n\","
                " \"mountpoint\": \"/m\", \"size\": 1}", false, true,
                "Parameter 'size' is unexpected");
}

/* Check "Invalid parameter type for '%s', expected: %s" for each JSON
 * type name QEMU uses. */
static void test_error_type(void)
{
    check_error("{\"driver\": \"file\", \"filename\": \"x\","
                " \"read-only\": \"yes\"}", false, false,
                "Invalid parameter type for 'read-only', expected: boolean");
    check_error("{\"driver\": \"raw\", \"file\": \"n\", \"offset\": \"12\"}",
                false, false,
                "Invalid parameter type for 'offset', expected: integer");
    check_error("{\"driver\": \"raw\", \"file\": \"n\", \"offset\": 1.5}",
                false, false,
                "Invalid parameter type for 'offset', expected: integer");
    check_error("{\"driver\": \"file\", \"filename\": 5}", false, false,
                "Invalid parameter type for 'filename', expected: string");
    check_error("{\"driver\": 1}", false, false,
                "Invalid parameter type for 'driver', expected: string");
    check_error("{\"driver\": \"file\", \"filename\": \"x\", \"cache\": 1}",
                false, false,
                "Invalid parameter type for 'cache', expected: object");
    check_error("{\"driver\": \"raw\", \"file\": true}", false, false,
                "Invalid parameter type for 'file', expected: BlockdevRef");
    check_error("[1]", false, false,
                "Invalid parameter type for 'null', expected: object");
    /* keyval: an object where a scalar belongs */
    check_error("{\"driver\": \"file\", \"filename\": {\"a\": \"b\"}}",
                true, false,
                "Invalid parameter type for 'filename', expected: string");
}

/* Check the keyval conversion errors. */
static void test_error_keyval_values(void)
{
    check_error("{\"driver\": \"file\", \"filename\": \"x\","
                " \"read-only\": \"maybe\"}", true, false,
                "Parameter 'read-only' expects 'on' or 'off'");
    check_error("{\"driver\": \"raw\", \"file\": \"n\", \"offset\": \"1k\"}",
                true, false, "Parameter 'offset' expects integer");
    check_error("{\"driver\": \"raw\", \"file\": \"n\","
                " \"offset\": \"99999999999999999999\"}",
                true, false, "Parameter 'offset' expects integer");
    check_error("{\"driver\": \"null-co\", \"latency-ns\": \"-1\"}",
                true, false, "Parameter 'latency-ns' expects integer");
}

/* Check "Parameter '%s' does not accept value '%s'" for enums, including
 * the union discriminator. */
static void test_error_enum(void)
{
    check_error("{\"driver\": \"file\", \"filename\": \"x\","
                " \"aio\": \"posix\"}", false, false,
                "Parameter 'aio' does not accept value 'posix'");
    check_error("{\"driver\": \"qcow2\"}", false, false,
                "Parameter 'driver' does not accept value 'qcow2'");
    check_error("{\"driver\": \"raw\", \"file\": {\"driver\": \"vmdk\"}}",
                true, false,
                "Parameter 'file.driver' does not accept value 'vmdk'");
    check_error("{\"type\": \"nbd\", \"id\": \"e\", \"node-name\": \"n\"}",
                false, true, "Parameter 'type' does not accept value 'nbd'");
    check_error("{\"type\": \"fuse\", \"id\": \"e\", \"node-name\": \"n\","
                " \"mountpoint\": \"/m\", \"allow-other\": \"sometimes\"}",
                true, true,
                "Parameter 'allow-other' does not accept value 'sometimes'");
}

/* Check that list elements are named name[i] in JSON, name.i in keyval. */
static void test_error_list_path(void)
{
    check_error("{\"type\": \"fuse\", \"id\": \"e\", \"node-name\": \"n\","
                " \"mountpoint\": \"/m\", \"iothread\": [\"a\", 7]}",
                false, true,
                "Invalid parameter type for 'iothread[1]', expected: string");
    check_error("{\"type\": \"fuse\", \"id\": \"e\", \"node-name\": \"n\","
                " \"mountpoint\": \"/m\","
                " \"iothread\": [\"a\", \"b\", {\"x\": \"y\"}]}",
                true, true,
                "Invalid parameter type for 'iothread.2', expected: string");
}

/* Check that a negative JSON integer is refused for uint64. */
static void test_error_uint64(void)
{
    check_error("{\"driver\": \"null-co\", \"latency-ns\": -1}", false, false,
                "Parameter 'latency-ns' expects uint64");
}

/* Check the range checks of the sized integer visitors and 'size'
 * suffixes in keyval mode, on top-level scalars. */
static void test_scalars_top_level(void)
{
    g_autoptr(JsonNode) root = NULL;
    Visitor *v;
    Error *err = NULL;
    uint8_t u8 = 0;
    uint64_t sz = 0;
    double d = 0;

    v = visitor_for("300", false, &root);
    g_assert_false(visit_type_uint8(v, NULL, &u8, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'null' expects uint8_t");
    error_free(err);
    err = NULL;
    visit_free(v);
    json_node_unref(g_steal_pointer(&root));

    v = visitor_for("\"1.5k\"", true, &root);
    g_assert_true(visit_type_size(v, NULL, &sz, &error_abort));
    g_assert_cmpuint(sz, ==, 1536);
    visit_free(v);
    json_node_unref(g_steal_pointer(&root));

    v = visitor_for("\"2G\"", true, &root);
    g_assert_true(visit_type_size(v, NULL, &sz, &error_abort));
    g_assert_cmpuint(sz, ==, 2ULL << 30);
    visit_free(v);
    json_node_unref(g_steal_pointer(&root));

    v = visitor_for("\"12Q\"", true, &root);
    g_assert_false(visit_type_size(v, NULL, &sz, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'null' expects a non-negative number "
                    "below 2^64");
    g_assert_nonnull(error_get_hint(err));
    error_free(err);
    err = NULL;
    visit_free(v);
    json_node_unref(g_steal_pointer(&root));

    v = visitor_for("\"x\"", false, &root);
    g_assert_false(visit_type_number(v, NULL, &d, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Invalid parameter type for 'null', expected: number");
    error_free(err);
    visit_free(v);
}

/* Check command-style visits: members of an implicit argument type,
 * including a list of enums ("Invalid ... expected: array"). */
static void test_command_arguments(void)
{
    g_autoptr(JsonNode) root = NULL;
    Visitor *v;
    q_obj_qmp_capabilities_arg arg = { 0 };
    Error *err = NULL;

    v = visitor_for("{\"enable\": [\"oob\"]}", false, &root);
    g_assert_true(visit_start_struct(v, NULL, NULL, 0, &error_abort));
    g_assert_true(visit_type_q_obj_qmp_capabilities_arg_members(v, &arg,
                                                                &error_abort));
    g_assert_true(visit_check_struct(v, &error_abort));
    visit_end_struct(v, NULL);
    visit_free(v);
    g_assert_nonnull(arg.enable);
    g_assert_cmpint(arg.enable->value, ==, QMP_CAPABILITY_OOB);
    g_assert_null(arg.enable->next);
    qapi_free_QMPCapabilityList(arg.enable);
    arg.enable = NULL;
    json_node_unref(g_steal_pointer(&root));

    v = visitor_for("{\"enable\": \"oob\"}", false, &root);
    g_assert_true(visit_start_struct(v, NULL, NULL, 0, &error_abort));
    g_assert_false(visit_type_q_obj_qmp_capabilities_arg_members(v, &arg,
                                                                 &err));
    visit_end_struct(v, NULL);
    visit_free(v);
    g_assert_null(arg.enable);
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Invalid parameter type for 'enable', expected: array");
    error_free(err);
}

/* Check that the introspection data is valid SchemaInfo and describes
 * blockdev-add with BlockdevOptions and the BlockdevRef alternate. */
static void test_introspection(void)
{
    g_autoptr(JsonNode) root = qmp_schema_introspection();
    Visitor *v = qobject_input_visitor_new(root);
    g_autoptr(SchemaInfoList) list = NULL;
    g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
    bool saw_blockdev_add = false, saw_ref = false;

    g_assert_true(visit_type_SchemaInfoList(v, NULL, &list, &error_abort));
    visit_free(v);
    for (SchemaInfoList *l = list; l; l = l->next) {
        g_assert_false(g_hash_table_contains(names, l->value->name));
        g_hash_table_add(names, l->value->name);
    }
    for (SchemaInfoList *l = list; l; l = l->next) {
        SchemaInfo *si = l->value;

        switch (si->meta_type) {
        case SCHEMA_META_TYPE_COMMAND:
            g_assert_true(g_hash_table_contains(names,
                                                si->u.command.arg_type));
            g_assert_true(g_hash_table_contains(names,
                                                si->u.command.ret_type));
            if (!strcmp(si->name, "blockdev-add")) {
                g_assert_cmpstr(si->u.command.arg_type, ==,
                                "BlockdevOptions");
                saw_blockdev_add = true;
            }
            break;
        case SCHEMA_META_TYPE_OBJECT:
            for (SchemaInfoObjectMemberList *m = si->u.object.members; m;
                 m = m->next) {
                g_assert_true(g_hash_table_contains(names, m->value->type));
            }
            break;
        case SCHEMA_META_TYPE_ALTERNATE:
            if (!strcmp(si->name, "BlockdevRef")) {
                SchemaInfoAlternateMemberList *m = si->u.alternate.members;

                g_assert_cmpstr(m->value->type, ==, "BlockdevOptions");
                g_assert_cmpstr(m->next->value->type, ==, "str");
                saw_ref = true;
            }
            break;
        default:
            break;
        }
    }
    g_assert_true(saw_blockdev_add);
    g_assert_true(saw_ref);
    g_assert_true(g_hash_table_contains(names, "BLOCK_EXPORT_DELETED"));
    g_assert_true(g_hash_table_contains(names, "q_empty"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qobject-input/blockdev/file-json",
                    test_blockdev_file_json);
    g_test_add_func("/qobject-input/blockdev/optional-absent",
                    test_blockdev_optional_absent);
    g_test_add_func("/qobject-input/blockdev/ref-definition",
                    test_blockdev_ref_definition);
    g_test_add_func("/qobject-input/blockdev/ref-reference",
                    test_blockdev_ref_reference);
    g_test_add_func("/qobject-input/blockdev/keyval", test_blockdev_keyval);
    g_test_add_func("/qobject-input/blockdev/keyval-reference",
                    test_blockdev_keyval_reference);
    g_test_add_func("/qobject-input/keyval-parse-pipeline",
                    test_keyval_parse_pipeline);
    g_test_add_func("/qobject-input/export/json-single-iothread",
                    test_export_json_single_iothread);
    g_test_add_func("/qobject-input/export/iothread-list",
                    test_export_iothread_list);
    g_test_add_func("/qobject-input/export/keyval", test_export_keyval);
    g_test_add_func("/qobject-input/error/missing", test_error_missing);
    g_test_add_func("/qobject-input/error/unexpected", test_error_unexpected);
    g_test_add_func("/qobject-input/error/type", test_error_type);
    g_test_add_func("/qobject-input/error/keyval-values",
                    test_error_keyval_values);
    g_test_add_func("/qobject-input/error/enum", test_error_enum);
    g_test_add_func("/qobject-input/error/list-path", test_error_list_path);
    g_test_add_func("/qobject-input/error/uint64", test_error_uint64);
    g_test_add_func("/qobject-input/scalars-top-level",
                    test_scalars_top_level);
    g_test_add_func("/qobject-input/command-arguments",
                    test_command_arguments);
    g_test_add_func("/qobject-input/introspection", test_introspection);
    return g_test_run();
}
