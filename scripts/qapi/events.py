"""Backend: events (qapi-events.h, qapi-events.c).

For every event NAME: void qapi_event_send_<name>(<data members>), which
builds the "data" object with the output visitor and hands it to
qapi_event_emit() (include/qapi/qmp/qmp-event.h). Also the QAPIEvent
enum of all event names.
"""

from .common import Output, c_enum_const, c_name, c_string, header_comment
from .commands import handler_params


def send_proto(ev):
    params = handler_params(ev) or ['void']
    return 'void qapi_event_send_%s(%s)' % (c_name(ev.name.lower()),
                                            ', '.join(params))


def gen_send(ev):
    out = send_proto(ev) + '\n{\n'
    if ev.arg_type is None:
        out += '    qapi_event_emit(%s, NULL);\n}\n\n' % c_string(ev.name)
        return out
    if ev.boxed:
        out += '    %s *param = arg;\n' % ev.arg_type.c_name()
    else:
        out += '    %s param_struct = {\n' % ev.arg_type.c_name()
        for m in ev.arg_type.members:
            if m.has_flag():
                out += '        .has_%s = has_%s,\n' % (m.c_name(), m.c_name())
            cast = ''
            if m.type.c_param_type() != m.type.c_type():
                cast = '(%s)' % m.type.c_type()
            out += '        .%s = %s%s,\n' % (m.c_name(), cast, m.c_name())
        out += '    };\n    %s *param = &param_struct;\n' % \
            ev.arg_type.c_name()
    out += ('    Visitor *v = qobject_output_visitor_new();\n'
            '    JsonNode *data = NULL;\n\n'
            '    visit_start_struct(v, %s, NULL, 0, &error_abort);\n'
            '    visit_type_%s_members(v, param, &error_abort);\n'
            '    visit_check_struct(v, &error_abort);\n'
            '    visit_end_struct(v, NULL);\n'
            '    visit_complete(v, &data);\n'
            '    visit_free(v);\n'
            '    qapi_event_emit(%s, json_node_dup_object(data));\n'
            '    json_node_unref(data);\n}\n\n'
            % (c_string(ev.name), ev.arg_type.c_name(), c_string(ev.name)))
    return out


def generate(schema, outdir, prefix=''):
    h = Output(prefix + 'qapi-events.h')
    c = Output(prefix + 'qapi-events.c')
    h.add(header_comment('Schema-defined QAPI/QMP events', schema.fname))
    h.add('#ifndef QAPI_EVENTS_H\n#define QAPI_EVENTS_H\n\n'
          '#include "qapi/qmp/qmp-event.h"\n#include "qapi/qapi-types.h"\n\n')
    c.add(header_comment('Schema-defined QAPI/QMP events', schema.fname))
    c.add('#include "qemu/osdep.h"\n#include "qemu/error.h"\n'
          '#include "qapi/qobject-output-visitor.h"\n'
          '#include "qapi/qapi-visit.h"\n'
          '#include "qapi/qapi-events.h"\n\n')
    events = schema.events()
    h.add('typedef enum QAPIEvent {\n')
    for ev in events:
        h.add('    %s,\n' % c_enum_const('QAPIEvent', ev.name))
    h.add('    QAPI_EVENT__MAX,\n} QAPIEvent;\n\n'
          'extern const QEnumLookup QAPIEvent_lookup;\n'
          '#define QAPIEvent_str(val) qapi_enum_lookup(&QAPIEvent_lookup, '
          '(val))\n\n')
    c.add('static const char *const QAPIEvent_names[] = {\n')
    for ev in events:
        c.add('    [%s] = %s,\n' % (c_enum_const('QAPIEvent', ev.name),
                                    c_string(ev.name)))
    c.add('};\n\nconst QEnumLookup QAPIEvent_lookup = {\n'
          '    .array = QAPIEvent_names,\n    .size = QAPI_EVENT__MAX,\n'
          '};\n\n')
    for ev in events:
        h.add('/* Emit %s (main thread). */\n%s;\n\n'
              % (ev.name, send_proto(ev)))
        c.add(gen_send(ev))
    h.add('#endif /* QAPI_EVENTS_H */\n')
    h.write(outdir)
    c.write(outdir)
