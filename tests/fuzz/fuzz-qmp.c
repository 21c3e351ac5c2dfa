/*
 * libFuzzer target: QMP input as a monitor sees it.
 *
 * The input is a byte stream fed to the monitor's JSON streamer
 * (monitor/json-streamer.c) in chunks whose sizes come from the input
 * itself; every value it emits goes through qmp_dispatch() and the
 * generated marshallers, with capabilities negotiation tracked as a
 * session does. The command handlers below are side-effect free doubles:
 * they return fixed data and never touch the block layer, so the target
 * exercises splitting, request checks, argument visiting and return value
 * conversion only.
 *
 * Layout of an input: byte 0 = chunk size (1..256), then the stream.
 */
#include "qemu/osdep.h"
#include "qemu/aio.h"
#include "qemu/coroutine.h"
#include "qemu/error.h"
#include "qemu/qdict.h"
#include "monitor/json-streamer.h"
#include "qapi/qapi-commands.h"

#include "fuzz-common.h"

/* ---- side-effect free command handlers -------------------------------- */

void qmp_blockdev_add(BlockdevOptions *arg, Error **errp)
{
}

void qmp_blockdev_del(const char *node_name, Error **errp)
{
    error_setg(errp, "Failed to find node with node-name='%s'", node_name);
}

BlockDeviceInfoList *qmp_query_named_block_nodes(bool has_flat, bool flat,
                                                 Error **errp)
{
    return NULL;
}

void coroutine_fn qmp_block_resize(const char *device, const char *node_name,
                                   int64_t size, Error **errp)
{
    if (size < 0) {
        error_setg(errp, "Parameter 'size' expects a >0 size");
    }
}

void qmp_block_export_add(BlockExportOptions *arg, Error **errp)
{
}

void qmp_block_export_del(const char *id, bool has_mode,
                          BlockExportRemoveMode mode, Error **errp)
{
    error_setg(errp, "Export '%s' is not found", id);
}

BlockExportInfoList *qmp_query_block_exports(Error **errp)
{
    BlockExportInfoList *l = g_new0(BlockExportInfoList, 1);

    l->value = g_new0(BlockExportInfo, 1);
    l->value->id = g_strdup("exp0");
    l->value->node_name = g_strdup("disk0");
    l->value->type = BLOCK_EXPORT_TYPE_FUSE;
    return l;
}

void qmp_qmp_capabilities(QMPCapabilityList *enable, Error **errp)
{
    if (enable) {
        error_setg(errp, "Capability '%s' not available",
                   QMPCapability_str(enable->value));
    }
}

VersionInfo *qmp_query_version(Error **errp)
{
    VersionInfo *info = g_new0(VersionInfo, 1);

    info->qemu = g_new0(VersionTriple, 1);
    info->package = g_strdup("fuzz");
    return info;
}

CommandInfoList *qmp_query_commands(Error **errp)
{
    return NULL;
}

void qmp_quit(Error **errp)
{
}

void qmp_object_add(ObjectOptions *arg, Error **errp)
{
}

void qmp_object_del(const char *id, Error **errp)
{
    error_setg(errp, "object '%s' not found", id);
}

/* ---- the session ------------------------------------------------------ */

/* Set up once in LLVMFuzzerInitialize(), read-only afterwards. */
static QmpCommandList *commands;

typedef struct Session {
    bool cap_negotiation;   /* true until qmp_capabilities succeeded */
} Session;

static void emit(void *opaque, JsonNode *value, Error *err)
{
    Session *s = opaque;
    g_autoptr(JsonNode) req = value;
    g_autoptr(JsonNode) rsp_node = NULL;
    g_autofree char *text = NULL;
    JsonObject *rsp;

    if (err) {
        /* The monitor answers a parse error without dispatching. */
        fuzz_check(value == NULL, "streamer emitted a value and an error");
        rsp = qmp_error_response(err);
        error_free(err);
    } else {
        rsp = qmp_dispatch(commands, req, s->cap_negotiation);
        fuzz_check(rsp != NULL, "qmp_dispatch returned no response");
        if (s->cap_negotiation && json_object_has_member(rsp, "return")) {
            s->cap_negotiation = false;
        }
    }
    fuzz_check(json_object_has_member(rsp, "return") !=
               json_object_has_member(rsp, "error"),
               "response needs exactly one of 'return' and 'error'");
    rsp_node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(rsp_node, rsp);
    text = qobject_to_json(rsp_node, false);
}

static void run_stream(const uint8_t *data, size_t size)
{
    Session s = { .cap_negotiation = true };
    g_autoptr(JsonStreamer) js = NULL;
    size_t chunk;

    if (size < 1) {
        return;
    }
    chunk = (size_t)data[0] + 1;
    data++;
    size--;

    js = json_streamer_new(emit, &s);
    while (size > 0) {
        size_t n = MIN(chunk, size);

        json_streamer_feed(js, (const char *)data, n);
        data += n;
        size -= n;
    }
    json_streamer_flush(js);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char warm[] =
        "\007{'execute': 'qmp_capabilities'}"
        "{\"execute\": \"query-version\", \"id\": 1}"
        "{\"execute\": \"block_resize\", \"arguments\": "
        "{\"node-name\": \"n\", \"size\": 1}}"
        "{\"execute\": \"query-qmp-schema\"} [1,";
    Error *err = NULL;

    if (!qemu_init_main_loop(&err)) {
        fprintf(stderr, "fuzz-qmp: %s\n", error_get_pretty(err));
        exit(1);
    }
    commands = qmp_command_list_new();
    qmp_init_marshal(commands);
    /* See fuzz-keyval.c: keep first-use allocations out of the inputs. */
    run_stream((const uint8_t *)warm, sizeof(warm) - 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run_stream(data, size);
    return 0;
}
