/*
 * libFuzzer target: option text -> QAPI input visitor -> C types.
 *
 * The first byte picks the syntax (keyval, as on the command line, or
 * JSON, as over QMP) and the type (BlockdevOptions as --blockdev and
 * blockdev-add take it, or BlockExportOptions as --export and
 * block-export-add take it); the rest is the text. Whatever the visitor
 * builds, also partially on error, is freed again.
 */
#include "qemu/osdep.h"
#include "qemu/error.h"
#include "qemu/keyval.h"
#include "qemu/qdict.h"
#include "qapi/qobject-input-visitor.h"
#include "qapi/qapi-visit.h"

#include "fuzz-common.h"

static void visit_one(const uint8_t *data, size_t size)
{
    g_autofree char *text = NULL;
    bool keyval, export;
    Error *err = NULL;
    JsonObject *obj;
    Visitor *v;
    bool ok;

    if (size < 1) {
        return;
    }
    keyval = !(data[0] & 1);
    export = data[0] & 2;
    text = g_strndup((const char *)data + 1, size - 1);

    if (keyval) {
        obj = keyval_parse(text, export ? "type" : "driver", NULL, &err);
    } else {
        obj = qdict_from_json(text, &err);
    }
    if (!obj) {
        fuzz_check(err != NULL, "parse failed without an error");
        error_free(err);
        return;
    }

    v = qobject_input_visitor_new_object(obj, keyval);
    json_object_unref(obj);     /* the visitor holds its own reference */
    if (export) {
        BlockExportOptions *opts = NULL;

        ok = visit_type_BlockExportOptions(v, NULL, &opts, &err);
        fuzz_check(ok == (err == NULL), "visitor result and errp disagree");
        fuzz_check(!ok || opts, "visitor succeeded without an object");
        qapi_free_BlockExportOptions(opts);
    } else {
        BlockdevOptions *opts = NULL;

        ok = visit_type_BlockdevOptions(v, NULL, &opts, &err);
        fuzz_check(ok == (err == NULL), "visitor result and errp disagree");
        fuzz_check(!ok || opts, "visitor succeeded without an object");
        qapi_free_BlockdevOptions(opts);
    }
    visit_free(v);
    error_free(err);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const warm[] = {
        "\000driver=file,node-name=f,filename=x,cache.direct=on",
        "\001{\"driver\": \"raw\", \"file\": {\"driver\": \"null-co\"}}",
        "\002fuse,id=e,node-name=n,mountpoint=/m,writable=on",
        "\003{\"type\": \"fuse\", \"id\": \"e\", \"node-name\": \"n\", \"mountpoint\": \"/m\"}",
    };

    /* See fuzz-keyval.c: keep first-use GLib allocations out of the inputs. */
    for (size_t i = 0; i < G_N_ELEMENTS(warm); i++) {
        visit_one((const uint8_t *)warm[i], 1 + strlen(warm[i] + 1));
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    visit_one(data, size);
    return 0;
}
