"""Backend: visitors (qapi-visit.h, qapi-visit.c).

For every type Foo:
  bool visit_type_Foo(Visitor *v, const char *name, Foo **obj, Error **errp)
  (Foo *obj for enums), and for objects
  bool visit_type_Foo_members(Visitor *v, Foo *obj, Error **errp)
which visits the members of an already allocated object (used for union
branches, bases, command arguments and event data).

On input failure the partially built object is freed and *obj is NULL.
"""

from .common import Output, c_string, header_comment
from .schema import AlternateType, ArrayType, EnumType, ObjectType


def visit_member(m, obj='obj'):
    """Statements visiting member @m of the struct pointed to by @obj;
    they 'return false' on failure."""
    field = '%s->%s' % (obj, m.c_name())
    name = c_string(m.name)
    call = '%s(v, %s, &%s, errp)' % (m.type.visit_fn(), name, field)
    if not m.optional:
        return ('    if (!%s) {\n        return false;\n    }\n' % call)
    if m.has_flag():
        return ('    if (visit_optional(v, %s, &%s->has_%s)) {\n'
                '        if (!%s) {\n            return false;\n'
                '        }\n    }\n' % (name, obj, m.c_name(), call))
    return ('    {\n        bool has_%s = !!%s;\n\n'
            '        if (visit_optional(v, %s, &has_%s) && !%s) {\n'
            '            return false;\n        }\n    }\n'
            % (m.c_name(), field, name, m.c_name(), call))


def gen_members_fn(typ):
    out = ('bool visit_type_%s_members(Visitor *v, %s *obj, Error **errp)\n'
           '{\n' % (typ.c_name(), typ.c_name()))
    if typ.base is not None:
        out += ('    if (!visit_type_%s_members(v, (%s *)obj, errp)) {\n'
                '        return false;\n    }\n'
                % (typ.base.c_name(), typ.base.c_name()))
    for m in typ.local_members:
        out += visit_member(m)
    if typ.variants:
        out += '    switch (obj->%s) {\n' % typ.tag_member.c_name()
        for var in typ.variants:
            out += ('    case %s:\n'
                    '        return visit_type_%s_members(v, &obj->u.%s, '
                    'errp);\n'
                    % (typ.tag_member.type.const(var.name),
                       var.type.c_name(), var.c_name()))
        out += '    default:\n        break;\n    }\n'
    out += '    return true;\n}\n\n'
    return out


def gen_object_fn(typ):
    n = typ.c_name()
    return ('bool visit_type_%s(Visitor *v, const char *name, %s **obj, '
            'Error **errp)\n{\n'
            '    bool ok = false;\n\n'
            '    if (!visit_start_struct(v, name, (void **)obj, sizeof(%s), '
            'errp)) {\n        return false;\n    }\n'
            '    if (!*obj) {\n'
            '        /* Only a dealloc visit meets an incomplete object. */\n'
            '        assert(visit_is_dealloc(v));\n'
            '        ok = true;\n        goto out;\n    }\n'
            '    if (!visit_type_%s_members(v, *obj, errp)) {\n'
            '        goto out;\n    }\n'
            '    ok = visit_check_struct(v, errp);\n'
            'out:\n'
            '    visit_end_struct(v, (void **)obj);\n'
            '    if (!ok && visit_is_input(v)) {\n'
            '        qapi_free_%s(*obj);\n        *obj = NULL;\n    }\n'
            '    return ok;\n}\n\n' % (n, n, n, n, n))


def gen_array_fn(typ):
    n = typ.c_name()
    return ('bool visit_type_%s(Visitor *v, const char *name, %s **obj, '
            'Error **errp)\n{\n'
            '    bool ok = false;\n'
            '    %s *tail;\n\n'
            '    if (!visit_start_list(v, name, (GenericList **)obj, '
            'sizeof(%s), errp)) {\n        return false;\n    }\n'
            '    for (tail = *obj; tail;\n'
            '         tail = (%s *)visit_next_list(v, (GenericList *)tail, '
            'sizeof(%s))) {\n'
            '        if (!%s(v, NULL, &tail->value, errp)) {\n'
            '            goto out;\n        }\n    }\n'
            '    ok = visit_check_list(v, errp);\n'
            'out:\n'
            '    visit_end_list(v, (void **)obj);\n'
            '    if (!ok && visit_is_input(v)) {\n'
            '        qapi_free_%s(*obj);\n        *obj = NULL;\n    }\n'
            '    return ok;\n}\n\n'
            % (n, n, n, n, n, n, typ.element_type.visit_fn(), n))


def gen_alternate_fn(typ):
    n = typ.c_name()
    out = ('bool visit_type_%s(Visitor *v, const char *name, %s **obj, '
           'Error **errp)\n{\n'
           '    bool ok = false;\n\n'
           '    if (!visit_start_alternate(v, name, (GenericAlternate **)obj,'
           ' sizeof(%s), errp)) {\n        return false;\n    }\n'
           '    if (!*obj) {\n'
           '        assert(visit_is_dealloc(v));\n'
           '        ok = true;\n        goto out;\n    }\n'
           '    switch ((*obj)->type) {\n' % (n, n, n))
    for var in typ.variants:
        out += ('    case %s:\n'
                '        ok = %s(v, name, &(*obj)->u.%s, errp);\n'
                '        break;\n'
                % (var.type.qtype(), var.type.visit_fn(), var.c_name()))
    out += ('    default:\n'
            '        if (visit_is_input(v)) {\n'
            '            visit_error_invalid_type(v, name, %s, errp);\n'
            '        } else {\n'
            '            /* Output of an unset alternate is a bug. */\n'
            '            assert(visit_is_dealloc(v));\n'
            '            ok = true;\n'
            '        }\n'
            '        break;\n'
            '    }\n'
            'out:\n'
            '    visit_end_alternate(v, (void **)obj);\n'
            '    if (!ok && visit_is_input(v)) {\n'
            '        qapi_free_%s(*obj);\n        *obj = NULL;\n    }\n'
            '    return ok;\n}\n\n' % (c_string(typ.name), n))
    return out


def gen_enum_fn(typ):
    n = typ.c_name()
    return ('bool visit_type_%s(Visitor *v, const char *name, %s *obj, '
            'Error **errp)\n{\n'
            '    int value = *obj;\n'
            '    bool ok = visit_type_enum(v, name, &value, &%s_lookup, '
            'errp);\n\n'
            '    *obj = value;\n'
            '    return ok;\n}\n\n' % (n, n, n))


def generate(schema, outdir, prefix=''):
    h = Output(prefix + 'qapi-visit.h')
    c = Output(prefix + 'qapi-visit.c')
    h.add(header_comment('Schema-defined QAPI visitors', schema.fname))
    h.add('#ifndef QAPI_VISIT_H\n#define QAPI_VISIT_H\n\n'
          '#include "qapi/visitor.h"\n#include "qapi/qapi-types.h"\n\n'
          '/*\n'
          ' * visit_type_<Type>(v, name, &obj, errp) visits one value as\n'
          ' * described in qapi/visitor.h: with an input visitor it returns\n'
          ' * false and sets errp on bad input, after freeing the partial\n'
          ' * object and setting obj to NULL; output and dealloc visits do\n'
          ' * not fail. visit_type_<Type>_members() visits the members of\n'
          ' * an object that the caller has allocated (or is freeing).\n'
          ' */\n\n')
    c.add(header_comment('Schema-defined QAPI visitors', schema.fname))
    c.add('#include "qemu/osdep.h"\n#include "qemu/error.h"\n'
          '#include "qapi/qapi-visit.h"\n\n')
    for t in schema.types():
        n = t.c_name()
        if isinstance(t, EnumType) and not t.builtin:
            h.add('bool visit_type_%s(Visitor *v, const char *name, %s *obj,'
                  ' Error **errp);\n' % (n, n))
            c.add(gen_enum_fn(t))
        elif isinstance(t, ObjectType):
            h.add('bool visit_type_%s_members(Visitor *v, %s *obj, '
                  'Error **errp);\n' % (n, n))
            c.add(gen_members_fn(t))
            if not t.is_implicit:
                h.add('bool visit_type_%s(Visitor *v, const char *name, '
                      '%s **obj, Error **errp);\n' % (n, n))
                c.add(gen_object_fn(t))
        elif isinstance(t, AlternateType):
            h.add('bool visit_type_%s(Visitor *v, const char *name, '
                  '%s **obj, Error **errp);\n' % (n, n))
            c.add(gen_alternate_fn(t))
        elif isinstance(t, ArrayType):
            h.add('bool visit_type_%s(Visitor *v, const char *name, '
                  '%s **obj, Error **errp);\n' % (n, n))
            c.add(gen_array_fn(t))
    h.add('\n#endif /* QAPI_VISIT_H */\n')
    h.write(outdir)
    c.write(outdir)
