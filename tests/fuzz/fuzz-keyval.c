/*
 * libFuzzer target: keyval_parse() on arbitrary input.
 *
 * The first byte picks the implied key (none, "driver", "type",
 * "qom-type") and whether "help" is accepted, as the command-line options
 * use them; the rest is the option string. A successful parse is freed,
 * so LeakSanitizer sees any leak on either path.
 */
#include "qemu/osdep.h"
#include "qemu/error.h"
#include "qemu/keyval.h"

#include "fuzz-common.h"

static const char *const implied_keys[] = { NULL, "driver", "type", "qom-type" };

static void parse_one(const uint8_t *data, size_t size)
{
    g_autofree char *params = NULL;
    const char *implied;
    bool help = false;
    bool want_help;
    Error *err = NULL;
    JsonObject *obj;

    if (size < 1) {
        return;
    }
    implied = implied_keys[data[0] & 3];
    want_help = data[0] & 4;
    /* keyval_parse() takes a C string: stop at the first NUL byte. */
    params = g_strndup((const char *)data + 1, size - 1);

    obj = keyval_parse(params, implied, want_help ? &help : NULL, &err);
    if (obj) {
        json_object_unref(obj);
        /* A result and an error at once breaks the errp contract. */
        fuzz_check(!err, "keyval_parse returned an object and set an error");
    } else {
        fuzz_check(err != NULL, "keyval_parse failed without an error");
    }
    error_free(err);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char warm[] = "\001driver=file,node-name=a,file.b.0=x,,y";

    /* First-use allocations of GLib / json-glib (type system, quarks) are
     * made here, not inside the first input, so LeakSanitizer does not
     * report them as leaks. */
    parse_one((const uint8_t *)warm, sizeof(warm) - 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse_one(data, size);
    return 0;
}
