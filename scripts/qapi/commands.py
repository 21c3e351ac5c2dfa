"""Backend: command marshalling (qapi-commands.h, qapi-commands.c).

For every command the header declares the handwritten handler
    <ret> qmp_<name>(<arguments>, Error **errp);
where an optional scalar argument comes as "bool has_<arg>, <type> <arg>"
and an optional pointer argument is NULL when absent; boxed commands take
"<Type> *arg". The C file has the marshallers
    void qmp_marshal_<name>(JsonObject *args, JsonNode **ret, Error **errp)
and qmp_init_marshal() registering them (see qapi/qmp/dispatch.h).
Commands with 'gen': false have no marshaller: the handler itself has the
QmpCommandFunc signature.
"""

from .common import Output, c_name, header_comment


def handler_params(cmd):
    if cmd.boxed:
        return ['%s *arg' % cmd.arg_type.c_name()]
    params = []
    for m in cmd.arg_type.members if cmd.arg_type else []:
        if m.has_flag():
            params.append('bool has_%s' % m.c_name())
        ptype = m.type.c_param_type()
        sep = '' if ptype.endswith('*') else ' '
        params.append('%s%s%s' % (ptype, sep, m.c_name()))
    return params


def ret_c_type(cmd):
    return cmd.ret_type.c_type() if cmd.ret_type else 'void'


def handler_proto(cmd):
    ret = ret_c_type(cmd)
    sep = '' if ret.endswith('*') else ' '
    if cmd.coroutine:
        ret += sep + 'coroutine_fn'
        sep = ' '
    params = handler_params(cmd) + ['Error **errp']
    return '%s%sqmp_%s(%s)' % (ret, sep, c_name(cmd.name), ', '.join(params))


def call_args(cmd):
    if cmd.boxed:
        return ['&arg']
    args = []
    for m in cmd.arg_type.members if cmd.arg_type else []:
        if m.has_flag():
            args.append('arg.has_%s' % m.c_name())
        args.append('arg.%s' % m.c_name())
    return args


def gen_output_fn(typ):
    n = typ.c_name()
    ctype = typ.c_type()
    sep = '' if ctype.endswith('*') else ' '
    if typ.name == 'any':
        free = '    json_node_unref(ret_in);\n'
    elif typ.name == 'str':
        free = '    g_free(ret_in);\n'
    elif typ.is_pointer():
        free = '    %s(ret_in);\n' % typ.free_fn()
    else:
        free = ''
    return ('static void qmp_marshal_output_%s(%s%sret_in, JsonNode **ret_out)'
            '\n{\n'
            '    Visitor *v = qobject_output_visitor_new();\n\n'
            '    visit_type_%s(v, "unused", &ret_in, &error_abort);\n'
            '    visit_complete(v, ret_out);\n'
            '    visit_free(v);\n%s}\n\n'
            % (n, ctype, sep, n, free))


def gen_marshal(cmd):
    name = c_name(cmd.name)
    out = ('void qmp_marshal_%s(JsonObject *args, JsonNode **ret, '
           'Error **errp)\n{\n' % name)
    out += '    Error *err = NULL;\n    bool ok;\n    Visitor *v;\n'
    if cmd.arg_type is not None:
        out += '    %s arg = { 0 };\n' % cmd.arg_type.c_name()
    if cmd.ret_type is not None:
        ret = ret_c_type(cmd)
        sep = '' if ret.endswith('*') else ' '
        out += '    %s%sretval;\n' % (ret, sep)
    out += ('\n    v = qobject_input_visitor_new_object(args, false);\n'
            '    ok = visit_start_struct(v, NULL, NULL, 0, errp);\n'
            '    if (ok) {\n')
    if cmd.arg_type is not None:
        out += ('        ok = visit_type_%s_members(v, &arg, errp) &&\n'
                '             visit_check_struct(v, errp);\n'
                % cmd.arg_type.c_name())
    else:
        out += '        ok = visit_check_struct(v, errp);\n'
    out += ('        visit_end_struct(v, NULL);\n    }\n'
            '    visit_free(v);\n'
            '    if (!ok) {\n        goto out;\n    }\n\n')
    call = 'qmp_%s(%s)' % (name, ', '.join(call_args(cmd) + ['&err']))
    if cmd.ret_type is not None:
        out += ('    retval = %s;\n'
                '    if (err) {\n'
                '        error_propagate(errp, err);\n        goto out;\n'
                '    }\n'
                '    qmp_marshal_output_%s(retval, ret);\n'
                % (call, cmd.ret_type.c_name()))
    else:
        out += ('    %s;\n'
                '    if (err) {\n'
                '        error_propagate(errp, err);\n        goto out;\n'
                '    }\n'
                '    *ret = json_node_new(JSON_NODE_OBJECT);\n'
                '    json_node_take_object(*ret, json_object_new());\n'
                % call)
    out += 'out:\n'
    if cmd.arg_type is not None:
        out += ('    v = qapi_dealloc_visitor_new();\n'
                '    visit_start_struct(v, NULL, NULL, 0, NULL);\n'
                '    visit_type_%s_members(v, &arg, NULL);\n'
                '    visit_end_struct(v, NULL);\n'
                '    visit_free(v);\n' % cmd.arg_type.c_name())
    else:
        out += '    return;\n'
    out += '}\n\n'
    return out


def option_flags(cmd):
    flags = []
    if cmd.coroutine:
        flags.append('QCO_COROUTINE')
    if cmd.allow_preconfig:
        flags.append('QCO_ALLOW_PRECONFIG')
    return ' | '.join(flags) or 'QCO_NO_OPTIONS'


def generate(schema, outdir, prefix=''):
    h = Output(prefix + 'qapi-commands.h')
    c = Output(prefix + 'qapi-commands.c')
    h.add(header_comment('Schema-defined QAPI/QMP commands', schema.fname))
    h.add('#ifndef QAPI_COMMANDS_H\n#define QAPI_COMMANDS_H\n\n'
          '#include "qapi/qmp/dispatch.h"\n#include "qapi/qapi-types.h"\n\n'
          '/*\n'
          ' * Handlers, one per command, written by hand: arguments are\n'
          ' * borrowed (the marshaller frees them after the call); a returned\n'
          ' * object or list is owned by the caller. On failure a handler\n'
          ' * sets errp and returns NULL (or 0). Handlers marked\n'
          ' * coroutine_fn run in a coroutine and may yield; the others\n'
          ' * run in the main loop outside coroutine context.\n'
          ' *\n'
          ' * qmp_marshal_<command>() is the QmpCommandFunc that\n'
          ' * qmp_init_marshal() registers: it converts the JSON arguments\n'
          ' * ("Parameter \'%s\' is missing", ...), calls the handler and\n'
          ' * converts its result.\n'
          ' */\n\n')
    c.add(header_comment('Schema-defined QAPI/QMP commands', schema.fname))
    c.add('#include "qemu/osdep.h"\n#include "qemu/error.h"\n'
          '#include "qapi/dealloc-visitor.h"\n'
          '#include "qapi/qobject-input-visitor.h"\n'
          '#include "qapi/qobject-output-visitor.h"\n'
          '#include "qapi/qapi-visit.h"\n'
          '#include "qapi/qapi-commands.h"\n\n')
    outputs = set()
    for cmd in schema.commands():
        h.add('/* %s: implemented by hand */\n' % cmd.name)
        if not cmd.gen:
            h.add('void qmp_%s(JsonObject *args, JsonNode **ret, '
                  'Error **errp);\n\n' % c_name(cmd.name))
            continue
        h.add('%s;\n' % handler_proto(cmd))
        h.add('void %sqmp_marshal_%s(JsonObject *args, JsonNode **ret, '
              'Error **errp);\n\n'
              % ('coroutine_fn ' if cmd.coroutine else '',
                 c_name(cmd.name)))
        if cmd.ret_type is not None and cmd.ret_type.name not in outputs:
            outputs.add(cmd.ret_type.name)
            c.add(gen_output_fn(cmd.ret_type))
        c.add(gen_marshal(cmd))
    c.add('void qmp_init_marshal(QmpCommandList *cmds)\n{\n')
    for cmd in schema.commands():
        fn = 'qmp_%s' % c_name(cmd.name) if not cmd.gen else \
            'qmp_marshal_%s' % c_name(cmd.name)
        c.add('    qmp_register_command(cmds, "%s", %s,\n'
              '                         %s);\n'
              % (cmd.name, fn, option_flags(cmd)))
    c.add('}\n')
    h.add('#endif /* QAPI_COMMANDS_H */\n')
    h.write(outdir)
    c.write(outdir)

