/*
 * storage-daemon: --blockdev, --chardev, --export, --monitor, --object.
 *
 * One definition, two front ends: every option value becomes the QAPI
 * type of the matching QMP command through the QAPI input visitor (keyval
 * mode for key=value lists, JSON mode for '{...}') and is handed to the
 * QMP command's handler (qmp_blockdev_add(), qmp_block_export_add(),
 * qmp_object_add()), so the command line and QMP accept the same members
 * and report the same errors, naming the offending key. "help" texts are generated from the schema's
 * introspection data.
 */
#include "qemu/osdep.h"

#include "chardev/char.h"
#include "monitor/monitor.h"
#include "qapi/qapi-commands.h"
#include "qapi/qapi-introspect.h"
#include "qapi/qapi-types.h"
#include "qapi/qapi-visit.h"
#include "qapi/qobject-input-visitor.h"
#include "qapi/qobject-output-visitor.h"
#include "qemu/error.h"
#include "qemu/keyval.h"
#include "qemu/qdict.h"
#include "qemu/trace.h"

#include "options.h"

/*
 * Parse an option value. JSON if it starts with '{' (no help there), else
 * keyval with @implied_key; then *help (if @help is not NULL) tells
 * whether "help" or "?" was among the elements. Returns a visitor over the result (visit_free()) and
 * the parsed dictionary in *dict (a new reference), or NULL with errp set.
 */
static Visitor *option_visitor_new(const char *arg, const char *implied_key,
                                   bool *help, JsonObject **dict,
                                   Error **errp)
{
    bool keyval = arg[0] != '{';
    JsonObject *obj;

    if (help) {
        *help = false;
    }
    if (keyval) {
        obj = keyval_parse(arg, implied_key, help, errp);
    } else {
        obj = qdict_from_json(arg, errp);
    }
    if (!obj) {
        return NULL;
    }
    *dict = obj;
    return qobject_input_visitor_new_object(obj, keyval);
}

/* ---- help texts from the schema ---- */

/* Introspection entries by name; the array is built once per help request. */
static JsonObject *schema_lookup(JsonArray *schema, const char *name)
{
    guint n = json_array_get_length(schema);

    for (guint i = 0; i < n; i++) {
        JsonObject *e = json_array_get_object_element(schema, i);

        if (!g_strcmp0(json_object_get_string_member_with_default(e, "name",
                                                                  NULL),
                       name)) {
            return e;
        }
    }
    return NULL;
}

/* How to write a value of schema type @name: "<int>", "<on|off|auto>" ... */
static char *type_hint(JsonArray *schema, const char *name)
{
    JsonObject *type = schema_lookup(schema, name);
    const char *meta;

    if (!type) {
        return g_strdup_printf("<%s>", name);   /* e.g. "[str]" */
    }
    meta = json_object_get_string_member(type, "meta-type");
    if (!strcmp(meta, "builtin")) {
        return g_strdup_printf("<%s>", name);
    }
    if (!strcmp(meta, "enum")) {
        JsonArray *values = json_object_get_array_member(type, "values");
        g_autoptr(GString) s = g_string_new("<");

        for (guint i = 0; i < json_array_get_length(values); i++) {
            g_string_append_printf(s, "%s%s", i ? "|" : "",
                                   json_array_get_string_element(values, i));
        }
        g_string_append_c(s, '>');
        return g_string_free(g_steal_pointer(&s), false);
    }
    if (!strcmp(meta, "alternate")) {
        JsonArray *members = json_object_get_array_member(type, "members");
        g_autoptr(GString) s = g_string_new("<");

        for (guint i = 0; i < json_array_get_length(members); i++) {
            JsonObject *m = json_array_get_object_element(members, i);

            g_string_append_printf(s, "%s%s", i ? " or " : "",
                                   json_object_get_string_member(m, "type"));
        }
        g_string_append_c(s, '>');
        return g_string_free(g_steal_pointer(&s), false);
    }
    return g_strdup_printf("<%s>", name);
}

/*
 * Print one line per member of the object type @type_name, nested structs
 * flattened to dotted keys as keyval writes them; @skip is left out (the
 * union tag, given already).
 */
static void print_members(JsonArray *schema, const char *type_name,
                          const char *prefix, const char *skip)
{
    JsonObject *type = schema_lookup(schema, type_name);
    JsonArray *members;

    if (!type || !json_object_has_member(type, "members")) {
        return;
    }
    members = json_object_get_array_member(type, "members");
    for (guint i = 0; i < json_array_get_length(members); i++) {
        JsonObject *m = json_array_get_object_element(members, i);
        const char *name = json_object_get_string_member(m, "name");
        const char *mtype = json_object_get_string_member(m, "type");
        JsonObject *mt = schema_lookup(schema, mtype);
        g_autofree char *key = g_strconcat(prefix, name, NULL);
        g_autofree char *hint = NULL;

        if (skip && !strcmp(name, skip)) {
            continue;
        }
        if (mt && !strcmp(json_object_get_string_member(mt, "meta-type"),
                          "object")) {
            g_autofree char *sub = g_strconcat(key, ".", NULL);

            print_members(schema, mtype, sub, NULL);
            continue;
        }
        hint = type_hint(schema, mtype);
        printf("  %s=%s%s\n", key, hint,
               json_object_has_member(m, "default") ? "" : " (required)");
    }
}

/*
 * "<tag>,help": the members of union @union_name for tag value @value
 * (the common ones and the branch's), after the line "@value options:".
 * The introspection data holds only the types QMP commands use; for the
 * others (ChardevOptions) fail with an error.
 */
static bool print_union_branch_help(const char *union_name, const char *value,
                                    Error **errp)
{
    g_autoptr(JsonNode) root = qmp_schema_introspection();
    JsonArray *schema = json_node_get_array(root);
    JsonObject *u = schema_lookup(schema, union_name);
    const char *tag;
    JsonArray *variants;

    if (!u) {
        error_setg(errp, "No help available for the options of '%s'", value);
        return false;
    }
    tag = json_object_get_string_member(u, "tag");
    variants = json_object_get_array_member(u, "variants");
    for (guint i = 0; i < json_array_get_length(variants); i++) {
        JsonObject *var = json_array_get_object_element(variants, i);

        if (strcmp(json_object_get_string_member(var, "case"), value)) {
            continue;
        }
        printf("%s options:\n", value);
        print_members(schema, union_name, "", tag);
        print_members(schema, json_object_get_string_member(var, "type"),
                      "", NULL);
        return true;
    }
    error_setg(errp, "No help available for the options of '%s'", value);
    return false;
}

/*
 * Help for an option whose value is a union on @tag with values @values:
 * "help" alone prints @title and the values, "<value>,help" the branch's
 * members. Returns OPT_EXIT, or OPT_ERROR for an unknown value (the error
 * the visitor would give).
 */
static OptResult print_option_help(JsonObject *dict, const char *union_name,
                                   const QEnumLookup *values, const char *tag,
                                   const char *title, Error **errp)
{
    JsonNode *node = json_object_get_member(dict, tag);
    const char *value;

    if (!node) {
        printf("%s\n", title);
        for (int i = 0; i < values->size; i++) {
            printf("  %s\n", values->array[i]);
        }
        return OPT_EXIT;
    }
    value = JSON_NODE_HOLDS_VALUE(node) ? json_node_get_string(node) : NULL;
    for (int i = 0; value && i < values->size; i++) {
        if (!strcmp(value, values->array[i])) {
            return print_union_branch_help(union_name, value, errp) ?
                   OPT_EXIT : OPT_ERROR;
        }
    }
    error_setg(errp, "Parameter '%s' does not accept value '%s'", tag,
               value ? value : "");
    return OPT_ERROR;
}

/* ---- applying the parsed options ---- */

/* C object -> JSON object through the output visitor. */
static JsonObject *monitor_options_to_dict(MonitorOptions *options)
{
    Visitor *v = qobject_output_visitor_new();
    g_autoptr(JsonNode) node = NULL;

    visit_type_MonitorOptions(v, NULL, &options, &error_abort);
    visit_complete(v, &node);
    visit_free(v);
    return json_object_ref(json_node_get_object(node));
}

static JsonObject *chardev_options_to_dict(ChardevOptions *options)
{
    Visitor *v = qobject_output_visitor_new();
    g_autoptr(JsonNode) node = NULL;

    visit_type_ChardevOptions(v, NULL, &options, &error_abort);
    visit_complete(v, &node);
    visit_free(v);
    return json_object_ref(json_node_get_object(node));
}

OptResult sd_opt_blockdev(const char *arg, Error **errp)
{
    ERRP_GUARD();
    g_autoptr(JsonObject) dict = NULL;
    g_autoptr(BlockdevOptions) options = NULL;
    Visitor *v;
    bool help, ok;

    v = option_visitor_new(arg, "driver", &help, &dict, errp);
    if (!v) {
        return OPT_ERROR;
    }
    if (help) {
        visit_free(v);
        return print_option_help(dict, "BlockdevOptions", &BlockdevDriver_lookup,
                                 "driver", "Available block drivers:", errp);
    }
    ok = visit_type_BlockdevOptions(v, NULL, &options, errp);
    visit_free(v);
    if (!ok) {
        return OPT_ERROR;
    }
    qmp_blockdev_add(options, errp);
    return *errp ? OPT_ERROR : OPT_OK;
}

OptResult sd_opt_export(const char *arg, Error **errp)
{
    ERRP_GUARD();
    g_autoptr(JsonObject) dict = NULL;
    g_autoptr(BlockExportOptions) options = NULL;
    Visitor *v;
    bool help, ok;

    v = option_visitor_new(arg, "type", &help, &dict, errp);
    if (!v) {
        return OPT_ERROR;
    }
    if (help) {
        visit_free(v);
        return print_option_help(dict, "BlockExportOptions",
                                 &BlockExportType_lookup, "type",
                                 "Available export types:", errp);
    }
    ok = visit_type_BlockExportOptions(v, NULL, &options, errp);
    visit_free(v);
    if (!ok) {
        return OPT_ERROR;
    }
    qmp_block_export_add(options, errp);
    return *errp ? OPT_ERROR : OPT_OK;
}

OptResult sd_opt_object(const char *arg, Error **errp)
{
    ERRP_GUARD();
    g_autoptr(JsonObject) dict = NULL;
    g_autoptr(ObjectOptions) options = NULL;
    Visitor *v;
    bool help, ok;

    v = option_visitor_new(arg, "qom-type", &help, &dict, errp);
    if (!v) {
        return OPT_ERROR;
    }
    if (help) {
        visit_free(v);
        return print_option_help(dict, "ObjectOptions", &ObjectType_lookup,
                                 "qom-type",
                                 "List of user creatable objects:", errp);
    }
    ok = visit_type_ObjectOptions(v, NULL, &options, errp);
    visit_free(v);
    if (!ok) {
        return OPT_ERROR;
    }
    qmp_object_add(options, errp);
    return *errp ? OPT_ERROR : OPT_OK;
}

OptResult sd_opt_chardev(const char *arg, bool daemonize, Error **errp)
{
    g_autoptr(JsonObject) dict = NULL;
    g_autoptr(ChardevOptions) options = NULL;
    Visitor *v;
    bool help, ok;

    v = option_visitor_new(arg, "backend", &help, &dict, errp);
    if (!v) {
        return OPT_ERROR;
    }
    if (help) {
        visit_free(v);
        return print_option_help(dict, "ChardevOptions",
                                 &ChardevBackendKind_lookup, "backend",
                                 "Available chardev backend types:", errp);
    }
    ok = visit_type_ChardevOptions(v, NULL, &options, errp);
    visit_free(v);
    if (!ok) {
        return OPT_ERROR;
    }
    /* A daemon's stdin and stdout are /dev/null once start-up is done. */
    if (daemonize && options->backend == CHARDEV_BACKEND_KIND_STDIO) {
        error_setg(errp, "cannot use stdio with --daemonize");
        return OPT_ERROR;
    }
    /* qemu_chr_new_from_opts() consumes the dictionary. */
    return qemu_chr_new_from_opts(chardev_options_to_dict(options),
                                  errp) ? OPT_OK : OPT_ERROR;
}

OptResult sd_opt_monitor(const char *arg, Error **errp)
{
    g_autoptr(JsonObject) dict = NULL;
    g_autoptr(MonitorOptions) options = NULL;
    Visitor *v;
    bool ok;

    /* No "help" for --monitor: "help" is a chardev name, as in QEMU. */
    v = option_visitor_new(arg, "chardev", NULL, &dict, errp);
    if (!v) {
        return OPT_ERROR;
    }
    ok = visit_type_MonitorOptions(v, NULL, &options, errp);
    visit_free(v);
    if (!ok) {
        return OPT_ERROR;
    }
    /* monitor_new_from_opts() consumes the dictionary. */
    return monitor_new_from_opts(monitor_options_to_dict(options), errp) ?
           OPT_OK : OPT_ERROR;
}

OptResult sd_opt_trace(const char *arg, Error **errp)
{
    g_autoptr(JsonObject) dict = NULL;
    g_autofree char *enable = NULL;
    g_autofree char *events = NULL;
    g_autofree char *file = NULL;
    bool help;

    dict = keyval_parse(arg, "enable", &help, errp);
    if (!dict) {
        return OPT_ERROR;
    }
    if (!qdict_take_str(dict, "enable", &enable, NULL, errp) ||
        !qdict_take_str(dict, "events", &events, NULL, errp) ||
        !qdict_take_str(dict, "file", &file, NULL, errp) ||
        !qdict_check_empty(dict, "", errp)) {
        return OPT_ERROR;
    }
    if (help || (enable && (!strcmp(enable, "help") ||
                            !strcmp(enable, "?")))) {
        trace_list_events(stdout);
        return OPT_EXIT;
    }
    if (events && !trace_enable_events_from_file(events, errp)) {
        return OPT_ERROR;
    }
    if (enable && trace_enable_events(enable, errp) < 0) {
        return OPT_ERROR;
    }
    if (file && !trace_set_output_file(file, errp)) {
        return OPT_ERROR;
    }
    return OPT_OK;
}
