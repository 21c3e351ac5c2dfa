"""Backend: introspection data (qapi-introspect.h, qapi-introspect.c).

query-qmp-schema returns a list of SchemaInfo (qapi/introspect.json)
describing every command, every event and every type they reach. Type
names are not masked; arrays are named "[Element]", and commands without
arguments or return value use the empty object type "q_empty" as QEMU
does. The data is embedded as a JSON string and parsed on demand.
"""

import json

from .common import Output, c_string, header_comment
from .schema import (AlternateType, ArrayType, BuiltinType, EnumType,
                     ObjectType)


class Introspector:
    def __init__(self, schema):
        self.schema = schema
        self.entries = []
        self.seen = set()
        self.queue = []

    def ref(self, typ):
        """The introspection name of @typ; schedules its description."""
        if typ is None:
            name = 'q_empty'
            if name not in self.seen:
                self.seen.add(name)
                self.queue.append(None)
            return name
        name = typ.introspect_name() if isinstance(typ, ArrayType) \
            else typ.name
        if name not in self.seen:
            self.seen.add(name)
            self.queue.append(typ)
        return name

    def describe(self, typ):
        if typ is None:
            return {'name': 'q_empty', 'meta-type': 'object',
                    'members': []}
        if isinstance(typ, BuiltinType):
            return {'name': typ.name, 'meta-type': 'builtin',
                    'json-type': typ.json_type}
        if isinstance(typ, EnumType):
            return {'name': typ.name, 'meta-type': 'enum',
                    'members': [{'name': v} for v in typ.values],
                    'values': list(typ.values)}
        if isinstance(typ, ArrayType):
            return {'name': typ.introspect_name(), 'meta-type': 'array',
                    'element-type': self.ref(typ.element_type)}
        if isinstance(typ, AlternateType):
            return {'name': typ.name, 'meta-type': 'alternate',
                    'members': [{'type': self.ref(v.type)}
                                for v in typ.variants]}
        assert isinstance(typ, ObjectType)
        members = []
        for m in typ.members:
            entry = {'name': m.name, 'type': self.ref(m.type)}
            if m.optional:
                entry['default'] = None
            members.append(entry)
        obj = {'name': typ.name, 'meta-type': 'object', 'members': members}
        if typ.variants is not None:
            obj['tag'] = typ.tag_member.name
            obj['variants'] = [{'case': v.name, 'type': self.ref(v.type)}
                               for v in typ.variants]
        return obj

    def run(self):
        for cmd in self.schema.commands():
            entry = {'name': cmd.name, 'meta-type': 'command',
                     'arg-type': self.ref(cmd.arg_type),
                     'ret-type': self.ref(cmd.ret_type)}
            self.entries.append(entry)
        for ev in self.schema.events():
            self.entries.append({'name': ev.name, 'meta-type': 'event',
                                 'arg-type': self.ref(ev.arg_type)})
        while self.queue:
            self.entries.append(self.describe(self.queue.pop(0)))
        return self.entries


def generate(schema, outdir, prefix=''):
    entries = Introspector(schema).run()
    text = json.dumps(entries, indent=1)
    h = Output(prefix + 'qapi-introspect.h')
    c = Output(prefix + 'qapi-introspect.c')
    h.add(header_comment('QAPI/QMP schema introspection', schema.fname))
    h.add('#ifndef QAPI_INTROSPECT_H\n#define QAPI_INTROSPECT_H\n\n'
          '#include <json-glib/json-glib.h>\n\n'
          '/* The SchemaInfo array returned by query-qmp-schema, as JSON. */\n'
          'extern const char qmp_schema_json[];\n\n'
          '/* The same, parsed: a new reference to a JSON array. */\n'
          'JsonNode *qmp_schema_introspection(void);\n\n'
          '#endif /* QAPI_INTROSPECT_H */\n')
    c.add(header_comment('QAPI/QMP schema introspection', schema.fname))
    c.add('#include "qemu/osdep.h"\n#include "qapi/qapi-introspect.h"\n\n')
    c.add('const char qmp_schema_json[] =\n')
    for line in text.split('\n'):
        c.add('    %s\n' % c_string(line + '\n'))
    c.add('    ;\n\n')
    c.add('JsonNode *qmp_schema_introspection(void)\n{\n'
          '    g_autoptr(JsonParser) parser = json_parser_new();\n'
          '    g_autoptr(GError) err = NULL;\n\n'
          '    /* Generated from the schema: it always parses. */\n'
          '    if (!json_parser_load_from_data(parser, qmp_schema_json, -1, '
          '&err)) {\n'
          '        g_error("introspection data: %s", err->message);\n'
          '    }\n'
          '    return json_node_copy(json_parser_get_root(parser));\n}\n')
    h.write(outdir)
    c.write(outdir)
