/*
 * The QMP command table: name -> marshaller, in registration order.
 */
#include "qemu/osdep.h"
#include "qapi/qmp/dispatch.h"

struct QmpCommandList {
    GPtrArray *commands;        /* of QmpCommand *, registration order */
    GHashTable *by_name;        /* name -> QmpCommand * (borrowed) */
};

/* A new, empty table; free with qmp_command_list_free(). */
QmpCommandList *qmp_command_list_new(void)
{
    QmpCommandList *cmds = g_new0(QmpCommandList, 1);

    cmds->commands = g_ptr_array_new_with_free_func(g_free);
    cmds->by_name = g_hash_table_new(g_str_hash, g_str_equal);
    return cmds;
}

/* Free the table and its entries (not the names); NULL is a no-op. */
void qmp_command_list_free(QmpCommandList *cmds)
{
    if (!cmds) {
        return;
    }
    g_hash_table_destroy(cmds->by_name);
    g_ptr_array_free(cmds->commands, true);
    g_free(cmds);
}

/* @name must outlive @cmds (the generated code passes string literals).
 * Registering a name twice is a programming error. */
void qmp_register_command(QmpCommandList *cmds, const char *name,
                          QmpCommandFunc *fn, unsigned options)
{
    QmpCommand *cmd = g_new0(QmpCommand, 1);

    assert(!g_hash_table_contains(cmds->by_name, name));
    cmd->name = name;
    cmd->fn = fn;
    cmd->options = options;
    cmd->enabled = true;
    g_ptr_array_add(cmds->commands, cmd);
    g_hash_table_insert(cmds->by_name, (gpointer)name, cmd);
}

/* The command called @name, or NULL. The entry lives as long as @cmds. */
const QmpCommand *qmp_find_command(const QmpCommandList *cmds,
                                   const char *name)
{
    return g_hash_table_lookup(cmds->by_name, name);
}

/* Call @fn for every command, in registration order. */
void qmp_for_each_command(const QmpCommandList *cmds,
                          void (*fn)(const QmpCommand *cmd, void *opaque),
                          void *opaque)
{
    for (guint i = 0; i < cmds->commands->len; i++) {
        fn(g_ptr_array_index(cmds->commands, i), opaque);
    }
}
