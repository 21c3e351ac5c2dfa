"""Backend: C types (qapi-types.h, qapi-types.c).

For every schema type:
  enum       typedef enum Foo { FOO_A, ..., FOO__MAX } Foo;
             Foo_lookup (wire names) and Foo_str(val)
  struct     struct Foo { members }: optional scalars have a has_<name>
             flag; optional strings, objects, lists and alternates are
             NULL when absent
  union      base members, then union { Branch <case>; ... } u;
  alternate  struct Foo { QType type; union { ... } u; } (object branches
             are pointers)
  array      struct FooList { FooList *next; Foo *value; }
plus qapi_free_<Type>() (deep free through the dealloc visitor) and
g_autoptr support.
"""

from .common import Output, c_string, header_comment
from .schema import AlternateType, ArrayType, EnumType, ObjectType


def gen_enum(typ):
    lines = ['typedef enum %s {' % typ.c_name()]
    for v in typ.values:
        lines.append('    %s,' % typ.const(v))
    lines.append('    %s,' % typ.max_const())
    lines.append('} %s;' % typ.c_name())
    lines.append('')
    lines.append('extern const QEnumLookup %s_lookup;' % typ.c_name())
    lines.append('#define %s_str(val) qapi_enum_lookup(&%s_lookup, (val))'
                 % (typ.c_name(), typ.c_name()))
    return '\n'.join(lines) + '\n\n'


def gen_enum_lookup(typ):
    lines = ['static const char *const %s_names[] = {' % typ.c_name()]
    for v in typ.values:
        lines.append('    [%s] = %s,' % (typ.const(v), c_string(v)))
    lines.append('};')
    lines.append('')
    lines.append('const QEnumLookup %s_lookup = {' % typ.c_name())
    lines.append('    .array = %s_names,' % typ.c_name())
    lines.append('    .size = %s,' % typ.max_const())
    lines.append('};')
    return '\n'.join(lines) + '\n\n'


def member_decls(members, indent='    '):
    out = []
    for m in members:
        if m.has_flag():
            out.append('%sbool has_%s;' % (indent, m.c_name()))
        ctype = m.type.c_type()
        sep = '' if ctype.endswith('*') else ' '
        out.append('%s%s%s%s;' % (indent, ctype, sep, m.c_name()))
    return out


def gen_object(typ):
    lines = ['struct %s {' % typ.c_name()]
    if typ.base is not None:
        lines.append('    /* Members inherited from %s: */' % typ.base.name)
        lines += member_decls(typ.base.members)
        if typ.local_members:
            lines.append('    /* Own members: */')
    lines += member_decls(typ.local_members)
    if typ.variants is not None:
        lines.append('    union { /* union tag is @%s */'
                     % typ.tag_member.name)
        for v in typ.variants:
            lines.append('        %s %s;' % (v.type.c_name(), v.c_name()))
        if not typ.variants:
            lines.append('        char qapi_unused;')
        lines.append('    } u;')
    if not typ.members and typ.variants is None:
        lines.append('    char qapi_dummy_for_empty_struct;')
    lines.append('};')
    return '\n'.join(lines) + '\n\n'


def gen_alternate(typ):
    lines = ['struct %s {' % typ.c_name(),
             '    QType type;',
             '    union { /* union tag is @type */']
    for v in typ.variants:
        ctype = v.type.c_type()
        sep = '' if ctype.endswith('*') else ' '
        lines.append('        %s%s%s;' % (ctype, sep, v.c_name()))
    lines += ['    } u;', '};']
    return '\n'.join(lines) + '\n\n'


def gen_array(typ):
    elem = typ.element_type
    ctype = elem.c_type()
    sep = '' if ctype.endswith('*') else ' '
    return ('struct %s {\n    %s *next;\n    %s%svalue;\n};\n\n'
            % (typ.c_name(), typ.c_name(), ctype, sep))


def needs_free(typ):
    return isinstance(typ, (ObjectType, AlternateType, ArrayType))


def ordered_definitions(schema):
    """Struct-like types in an order where by-value members (union
    branches) are defined before their users."""
    done = set()
    order = []

    def visit(t):
        if t.name in done:
            return
        done.add(t.name)
        if isinstance(t, ObjectType):
            for v in t.variants or []:
                visit(v.type)
        order.append(t)

    for t in schema.types():
        if needs_free(t):
            visit(t)
    return order


def generate(schema, outdir, prefix=''):
    h = Output(prefix + 'qapi-types.h')
    c = Output(prefix + 'qapi-types.c')
    h.add(header_comment('Schema-defined QAPI types', schema.fname))
    h.add('#ifndef QAPI_TYPES_H\n#define QAPI_TYPES_H\n\n'
          '#include "qapi/util.h"\n#include <json-glib/json-glib.h>\n\n')
    c.add(header_comment('Schema-defined QAPI types', schema.fname))
    c.add('#include "qemu/osdep.h"\n#include "qapi/dealloc-visitor.h"\n'
          '#include "qapi/qapi-types.h"\n#include "qapi/qapi-visit.h"\n\n')

    defs = ordered_definitions(schema)
    for t in defs:
        h.add('typedef struct %s %s;\n' % (t.c_name(), t.c_name()))
    h.add('\n')
    for t in schema.types():
        if isinstance(t, EnumType) and not t.builtin:
            h.add(gen_enum(t))
            c.add(gen_enum_lookup(t))
    for t in defs:
        if isinstance(t, ObjectType):
            h.add(gen_object(t))
        elif isinstance(t, AlternateType):
            h.add(gen_alternate(t))
        else:
            h.add(gen_array(t))
        if getattr(t, 'is_implicit', False):
            continue
        h.add('/* Frees @obj and everything it owns; NULL is a no-op. */\n'
              'void qapi_free_%s(%s *obj);\n'
              'G_DEFINE_AUTOPTR_CLEANUP_FUNC(%s, qapi_free_%s)\n\n'
              % ((t.c_name(),) * 4))
        c.add('void qapi_free_%s(%s *obj)\n{\n'
              '    Visitor *v;\n\n'
              '    if (!obj) {\n        return;\n    }\n'
              '    v = qapi_dealloc_visitor_new();\n'
              '    visit_type_%s(v, NULL, &obj, NULL);\n'
              '    visit_free(v);\n}\n\n' % ((t.c_name(),) * 3))
        if isinstance(t, ObjectType) and t.base is not None and \
           not t.base.is_implicit:
            h.add('/* @obj viewed as its base type (a prefix of it). */\n'
                  'static inline %s *qapi_%s_base(const %s *obj)\n{\n'
                  '    return (%s *)obj;\n}\n\n'
                  % (t.base.c_name(), t.c_name(), t.c_name(),
                     t.base.c_name()))
    h.add('#endif /* QAPI_TYPES_H */\n')
    h.write(outdir)
    c.write(outdir)

