"""Semantic checks and the resolved model of a QAPI schema.

QAPISchema(fname) parses the schema, checks every expression (keys,
names, types, unions, alternates, documentation) and builds entities:

  BuiltinType, EnumType, ArrayType, ObjectType (structs, unions and the
  implicit argument/base types), AlternateType, Command, Event.

Errors raise QAPIError with the definition's file and line.
"""

import re

from .common import c_name, c_enum_const
from .parser import QAPISchemaParser
from .source import QAPIError


# name: (C type, JSON type of introspection, QType of alternates)
BUILTINS = {
    'str': ('char *', 'string', 'QTYPE_QSTRING'),
    'number': ('double', 'number', 'QTYPE_QNUM'),
    'int': ('int64_t', 'int', 'QTYPE_QNUM'),
    'int8': ('int8_t', 'int', 'QTYPE_QNUM'),
    'int16': ('int16_t', 'int', 'QTYPE_QNUM'),
    'int32': ('int32_t', 'int', 'QTYPE_QNUM'),
    'int64': ('int64_t', 'int', 'QTYPE_QNUM'),
    'uint8': ('uint8_t', 'int', 'QTYPE_QNUM'),
    'uint16': ('uint16_t', 'int', 'QTYPE_QNUM'),
    'uint32': ('uint32_t', 'int', 'QTYPE_QNUM'),
    'uint64': ('uint64_t', 'int', 'QTYPE_QNUM'),
    'size': ('uint64_t', 'int', 'QTYPE_QNUM'),
    'bool': ('bool', 'boolean', 'QTYPE_QBOOL'),
    'any': ('JsonNode *', 'value', None),
}

QTYPE_VALUES = ['none', 'qnull', 'qnum', 'qstring', 'qdict', 'qlist',
                'qbool']

META_KEYS = {
    'enum': ({'data'}, {'prefix'}),
    'struct': ({'data'}, {'base'}),
    'union': ({'base', 'discriminator', 'data'}, set()),
    'alternate': ({'data'}, set()),
    'command': (set(), {'data', 'returns', 'boxed', 'gen', 'coroutine',
                        'allow-preconfig', 'success-response'}),
    'event': (set(), {'data', 'boxed'}),
}


class Entity:
    meta = None

    def __init__(self, name, info, doc):
        self.name = name
        self.info = info
        self.doc = doc

    def c_name(self):
        return c_name(self.name)


class Type(Entity):
    is_implicit = False

    def c_type(self):
        """Type of a struct member or handler argument of this type."""
        raise NotImplementedError

    def c_param_type(self):
        return self.c_type()

    def is_pointer(self):
        """True when absence is a NULL pointer (no has_ flag)."""
        return False

    def visit_fn(self):
        return 'visit_type_' + self.c_name()

    def free_fn(self):
        return 'qapi_free_' + self.c_name()

    def qtype(self):
        """QType constant of the JSON representation, for alternates."""
        raise NotImplementedError

    def describe(self):
        return "%s type '%s'" % (self.meta, self.name)


class BuiltinType(Type):
    meta = 'builtin'

    def __init__(self, name):
        super().__init__(name, None, None)
        self._c_type, self.json_type, self._qtype = BUILTINS[name]

    def c_type(self):
        return self._c_type

    def c_param_type(self):
        return 'const char *' if self.name == 'str' else self._c_type

    def is_pointer(self):
        return self.name in ('str', 'any')

    def c_name(self):
        return self.name

    def visit_fn(self):
        return 'visit_type_' + self.name

    def qtype(self):
        return self._qtype


class EnumType(Type):
    meta = 'enum'

    def __init__(self, name, info, doc, values, prefix=None,
                 builtin=False):
        super().__init__(name, info, doc)
        self.values = values
        self.prefix = prefix
        self.builtin = builtin

    def c_type(self):
        return self.c_name()

    def const(self, value):
        return c_enum_const(self.name, value, self.prefix)

    def max_const(self):
        return c_enum_const(self.name, '_MAX', self.prefix)

    def qtype(self):
        return 'QTYPE_QSTRING'


class ArrayType(Type):
    meta = 'array'
    builtin = False

    def __init__(self, element_type):
        super().__init__(element_type.name + 'List', None, None)
        self.element_type = element_type

    def c_type(self):
        return self.c_name() + ' *'

    def is_pointer(self):
        return True

    def qtype(self):
        return 'QTYPE_QLIST'

    def introspect_name(self):
        return '[%s]' % self.element_type.name


class Member:
    def __init__(self, name, typ, optional, info, owner):
        self.name = name
        self.type = typ
        self.optional = optional
        self.info = info
        self.owner = owner

    def c_name(self):
        return c_name(self.name)

    def has_flag(self):
        """True when the C struct carries has_<name>."""
        return self.optional and not self.type.is_pointer()


class Variant:
    def __init__(self, name, typ):
        self.name = name
        self.type = typ

    def c_name(self):
        return c_name(self.name)


class ObjectType(Type):
    """A struct, a flat union (with variants) or an implicit type."""
    meta = 'object'

    def __init__(self, name, info, doc, is_implicit=False):
        super().__init__(name, info, doc)
        self.base = None
        self.local_members = []
        self.tag_member = None
        self.variants = None      # list of Variant for unions
        self.is_implicit = is_implicit
        self.is_union = False

    @property
    def members(self):
        return (self.base.members if self.base else []) + \
            self.local_members

    def c_type(self):
        return self.c_name() + ' *'

    def is_pointer(self):
        return True

    def qtype(self):
        return 'QTYPE_QDICT'

    def is_empty(self):
        return not self.members and not self.variants


class AlternateType(Type):
    meta = 'alternate'

    def __init__(self, name, info, doc):
        super().__init__(name, info, doc)
        self.variants = []

    def c_type(self):
        return self.c_name() + ' *'

    def is_pointer(self):
        return True

    def qtype(self):
        return None


class Command(Entity):
    meta = 'command'

    def __init__(self, name, info, doc):
        super().__init__(name, info, doc)
        self.arg_type = None
        self.ret_type = None
        self.boxed = False
        self.gen = True
        self.coroutine = False
        self.allow_preconfig = False


class Event(Entity):
    meta = 'event'

    def __init__(self, name, info, doc):
        super().__init__(name, info, doc)
        self.arg_type = None
        self.boxed = False


def _meta_of(expr, info):
    metas = [k for k in META_KEYS if k in expr]
    if len(metas) != 1:
        raise QAPIError(info, "expression must have exactly one of %s"
                        % ', '.join("'%s'" % k for k in META_KEYS))
    return metas[0]


class QAPISchema:
    def __init__(self, fname):
        self.fname = fname
        parser = QAPISchemaParser(fname)
        self.docs = parser.docs
        self.entities = []       # definition order, implicit types first
        self._by_name = {}
        self._define_builtins()
        exprs = parser.exprs
        # First pass: declare every named entity so that references can
        # be forward (a union may use a struct defined later).
        for e in exprs:
            self._declare(e['expr'], e['info'], e['doc'])
        for e in exprs:
            self._define(e['expr'], e['info'], e['doc'])
        self._check_unions_and_alternates()
        for e in exprs:
            self._check_doc(e['expr'], e['info'], e['doc'])

    # --- lookup ---------------------------------------------------------

    def _define_builtins(self):
        for name in BUILTINS:
            self._add(BuiltinType(name))
        qtype = EnumType('QType', None, None, QTYPE_VALUES, 'QTYPE', True)
        self._add(qtype)
        for name in BUILTINS:
            arr = ArrayType(self.lookup_type(name))
            arr.builtin = True
            self._add(arr)

    def _add(self, ent):
        key = (ent.meta in ('command', 'event'), ent.name)
        if key in self._by_name:
            old = self._by_name[key]
            where = (' at %s' % old.info) if old.info else ''
            raise QAPIError(ent.info, "'%s' is already defined%s"
                            % (ent.name, where))
        self._by_name[key] = ent
        self.entities.append(ent)

    def lookup_type(self, name):
        return self._by_name.get((False, name))

    def _resolve(self, ref, info, what):
        """Resolve a member type reference: 'Name' or ['Name']."""
        if isinstance(ref, list):
            if len(ref) != 1 or not isinstance(ref[0], str):
                raise QAPIError(info, "%s: array type must contain a single "
                                "type name" % what)
            elem = self._resolve(ref[0], info, what)
            arr = self.lookup_type(elem.name + 'List')
            if arr is None:
                arr = ArrayType(elem)
                self._add(arr)
            return arr
        if not isinstance(ref, str):
            raise QAPIError(info, "%s should be a type name" % what)
        typ = self.lookup_type(ref)
        if typ is None or isinstance(typ, ArrayType):
            raise QAPIError(info, "%s uses unknown type '%s'" % (what, ref))
        if isinstance(typ, EnumType) and typ.builtin:
            raise QAPIError(info, "%s uses internal type '%s'" % (what, ref))
        return typ

    # --- declarations ---------------------------------------------------

    def _check_keys(self, expr, info, meta, name):
        required, optional = META_KEYS[meta]
        for key in expr:
            if key != meta and key not in required | optional:
                raise QAPIError(info, "%s '%s' has unknown key '%s'"
                                % (meta, name, key))
        for key in sorted(required):
            if key not in expr:
                raise QAPIError(info, "%s '%s' lacks key '%s'"
                                % (meta, name, key))
        for key in ('boxed', 'gen', 'coroutine', 'allow-preconfig',
                    'success-response'):
            if key in expr and not isinstance(expr[key], bool):
                raise QAPIError(info, "%s '%s': '%s' must be true or false"
                                % (meta, name, key))

    def _check_name(self, name, info, meta):
        if not isinstance(name, str):
            raise QAPIError(info, "name of %s must be a string" % meta)
        if meta == 'event':
            if not re.match(r'^[A-Z][A-Z0-9_]*$', name):
                raise QAPIError(info, "name of event '%s' must be ALL_CAPS"
                                % name)
        elif meta == 'command':
            if not re.match(r'^[a-z][a-z0-9_-]*$', name):
                raise QAPIError(info, "name of command '%s' must be "
                                "lower-case" % name)
        else:
            if not re.match(r'^[A-Z][A-Za-z0-9]*$', name):
                raise QAPIError(info, "name of %s '%s' must use CamelCase"
                                % (meta, name))
            if name.endswith('List'):
                raise QAPIError(info, "%s name '%s' must not end in 'List'"
                                % (meta, name))

    def _declare(self, expr, info, doc):
        meta = _meta_of(expr, info)
        name = expr[meta]
        self._check_name(name, info, meta)
        self._check_keys(expr, info, meta, name)
        if meta == 'enum':
            values = self._enum_values(expr, info, name)
            prefix = expr.get('prefix')
            if prefix is not None and not isinstance(prefix, str):
                raise QAPIError(info, "enum '%s': 'prefix' must be a string"
                                % name)
            ent = EnumType(name, info, doc, values, prefix)
        elif meta in ('struct', 'union'):
            ent = ObjectType(name, info, doc)
            ent.is_union = meta == 'union'
        elif meta == 'alternate':
            ent = AlternateType(name, info, doc)
        elif meta == 'command':
            ent = Command(name, info, doc)
        else:
            ent = Event(name, info, doc)
        self._add(ent)

    def _enum_values(self, expr, info, name):
        data = expr['data']
        if not isinstance(data, list):
            raise QAPIError(info, "enum '%s': 'data' must be an array"
                            % name)
        values = []
        seen = {}
        for v in data:
            if isinstance(v, dict):
                if set(v) != {'name'}:
                    raise QAPIError(info, "enum '%s': a value object "
                                    "must have exactly the key 'name'"
                                    % name)
                v = v['name']
            if not isinstance(v, str) or \
               not re.match(r'^[a-z0-9][a-z0-9_-]*$', v):
                raise QAPIError(info, "enum '%s' has an invalid value %r"
                                % (name, v))
            cn = c_name(v, False)
            if cn in seen:
                if seen[cn] == v:
                    raise QAPIError(info, "enum '%s' has duplicate value "
                                    "'%s'" % (name, v))
                raise QAPIError(info, "enum '%s': value '%s' collides with "
                                "value '%s'" % (name, v, seen[cn]))
            seen[cn] = v
            values.append(v)
        return values

    # --- definitions ----------------------------------------------------

    def _members(self, data, info, owner, what):
        if not isinstance(data, dict):
            raise QAPIError(info, "%s should be an object or a type name"
                            % what)
        members = []
        for key, ref in data.items():
            optional = key.startswith('*')
            mname = key[1:] if optional else key
            if not re.match(r'^[a-z][a-z0-9_-]*$', mname):
                raise QAPIError(info, "%s has an invalid member name '%s'"
                                % (what, key))
            if isinstance(ref, dict):
                if set(ref) != {'type'}:
                    raise QAPIError(info, "member '%s' of %s: a member "
                                    "object must have exactly the key "
                                    "'type'" % (mname, what))
                ref = ref['type']
            typ = self._resolve(ref, info, "member '%s' of %s"
                                % (mname, what))
            members.append(Member(mname, typ, optional, info, owner))
        return members

    def _implicit_object(self, name, data, info, what):
        obj = ObjectType(name, info, None, is_implicit=True)
        obj.local_members = self._members(data, info, obj, what)
        self._add(obj)
        # Keep implicit types before their users in the output order.
        self.entities.remove(obj)
        return obj

    def _object_ref(self, ref, info, what, allow_union):
        typ = self._resolve(ref, info, what)
        if not isinstance(typ, ObjectType) or \
           (typ.is_union and not allow_union):
            raise QAPIError(info, "%s cannot use %s"
                            % (what, typ.describe()))
        return typ

    def _define(self, expr, info, doc):
        meta = _meta_of(expr, info)
        name = expr[meta]
        ent = self._by_name[(meta in ('command', 'event'), name)]
        implicit = []
        if meta == 'struct':
            if 'base' in expr:
                ent.base = self._object_ref(expr['base'], info,
                                            "'base' of struct '%s'" % name,
                                            False)
            ent.local_members = self._members(expr['data'], info, ent,
                                              "struct '%s'" % name)
        elif meta == 'union':
            base = expr['base']
            if isinstance(base, dict):
                ent.base = self._implicit_object('q_obj_%s-base' % name,
                                                 base, info,
                                                 "'base' of union '%s'"
                                                 % name)
                implicit.append(ent.base)
            else:
                ent.base = self._object_ref(base, info,
                                            "'base' of union '%s'" % name,
                                            False)
            self._define_union(ent, expr, info)
        elif meta == 'alternate':
            data = expr['data']
            if not isinstance(data, dict) or not data:
                raise QAPIError(info, "alternate '%s': 'data' must be a "
                                "non-empty object" % name)
            for bname, ref in data.items():
                if not re.match(r'^[a-z][a-z0-9_-]*$', bname):
                    raise QAPIError(info, "alternate '%s' has an invalid "
                                    "branch name '%s'" % (name, bname))
                typ = self._resolve(ref, info, "branch '%s' of alternate "
                                    "'%s'" % (bname, name))
                ent.variants.append(Variant(bname, typ))
        elif meta in ('command', 'event'):
            data = expr.get('data')
            ent.boxed = expr.get('boxed', False)
            what = "%s '%s'" % (meta, name)
            if data is None:
                if ent.boxed:
                    raise QAPIError(info, "%s: 'boxed': true requires "
                                    "'data'" % what)
            elif isinstance(data, dict):
                if ent.boxed:
                    raise QAPIError(info, "%s: 'data' must be a type name "
                                    "with 'boxed': true" % what)
                if data:
                    ent.arg_type = self._implicit_object(
                        'q_obj_%s-arg' % name, data, info, what)
                    implicit.append(ent.arg_type)
            else:
                ent.arg_type = self._object_ref(data, info,
                                                "'data' of %s" % what,
                                                ent.boxed)
            if meta == 'command':
                ent.gen = expr.get('gen', True)
                ent.coroutine = expr.get('coroutine', False)
                ent.allow_preconfig = expr.get('allow-preconfig', False)
                if 'success-response' in expr:
                    raise QAPIError(info, "%s: 'success-response' is not "
                                    "supported" % what)
                if 'returns' in expr:
                    ent.ret_type = self._resolve(expr['returns'], info,
                                                 "'returns' of %s" % what)
                    if isinstance(ent.ret_type, AlternateType):
                        raise QAPIError(info, "'returns' of %s cannot use "
                                        "%s" % (what,
                                                ent.ret_type.describe()))
        # Place implicit types just before the entity that uses them.
        if implicit:
            idx = self.entities.index(ent)
            self.entities[idx:idx] = implicit

    def _define_union(self, ent, expr, info):
        name = ent.name
        disc = expr['discriminator']
        if not isinstance(disc, str):
            raise QAPIError(info, "union '%s': 'discriminator' must be a "
                            "string" % name)
        tag = next((m for m in ent.base.members if m.name == disc), None)
        if tag is None:
            raise QAPIError(info, "union '%s': discriminator '%s' is not a "
                            "member of 'base'" % (name, disc))
        if tag.optional:
            raise QAPIError(info, "union '%s': discriminator member '%s' "
                            "of 'base' must not be optional" % (name, disc))
        if not isinstance(tag.type, EnumType):
            raise QAPIError(info, "union '%s': discriminator member '%s' "
                            "of 'base' must be of enum type" % (name, disc))
        ent.tag_member = tag
        data = expr['data']
        if not isinstance(data, dict):
            raise QAPIError(info, "union '%s': 'data' must be an object"
                            % name)
        ent.variants = []
        for case, ref in data.items():
            if case not in tag.type.values:
                raise QAPIError(info, "union '%s': branch '%s' is not a "
                                "value of %s" % (name, case,
                                                 tag.type.describe()))
            what = "branch '%s' of union '%s'" % (case, name)
            typ = self._object_ref(ref, info, what, False)
            ent.variants.append(Variant(case, typ))

    # --- whole-schema checks --------------------------------------------

    def _check_clash(self, members, info, what):
        seen = {}
        for m in members:
            cn = m.c_name()
            if cn in seen:
                old = seen[cn]
                if old.name == m.name:
                    raise QAPIError(info, "%s: member '%s' is defined twice "
                                    "(in '%s' and '%s')"
                                    % (what, m.name, old.owner.name,
                                       m.owner.name))
                raise QAPIError(info, "%s: member '%s' collides with "
                                "member '%s'" % (what, m.name, old.name))
            seen[cn] = m

    def _check_unions_and_alternates(self):
        for ent in self.entities:
            if isinstance(ent, ObjectType):
                self._check_base_cycle(ent)
        for ent in self.entities:
            if isinstance(ent, ObjectType):
                what = "%s '%s'" % ('union' if ent.is_union else 'struct',
                                    ent.name)
                self._check_clash(ent.members, ent.info, what)
                for v in ent.variants or []:
                    self._check_clash(ent.members + v.type.members,
                                      ent.info, "%s branch '%s'"
                                      % (what, v.name))
            elif isinstance(ent, AlternateType):
                seen = {}
                for v in ent.variants:
                    if isinstance(v.type, AlternateType) or \
                       v.type.qtype() is None:
                        raise QAPIError(ent.info, "alternate '%s': branch "
                                        "'%s' cannot use %s"
                                        % (ent.name, v.name,
                                           v.type.describe()))
                    qt = v.type.qtype()
                    if qt in seen:
                        raise QAPIError(ent.info, "alternate '%s': branch "
                                        "'%s' can't be distinguished from "
                                        "'%s'" % (ent.name, v.name,
                                                  seen[qt]))
                    seen[qt] = v.name

    def _check_base_cycle(self, ent):
        seen = set()
        t = ent
        while t is not None:
            if t.name in seen:
                raise QAPIError(ent.info, "object '%s' contains itself"
                                % ent.name)
            seen.add(t.name)
            t = t.base

    def _check_doc(self, expr, info, doc):
        meta = _meta_of(expr, info)
        name = expr[meta]
        if doc is None:
            raise QAPIError(info, "%s '%s' lacks a documentation comment"
                            % (meta, name))
        if doc.symbol != name:
            raise QAPIError(info, "definition of '%s' follows documentation "
                            "for '%s'" % (name, doc.symbol))
        ent = self._by_name[(meta in ('command', 'event'), name)]
        if isinstance(ent, EnumType):
            names = list(ent.values)
        elif isinstance(ent, ObjectType):
            names = [m.name for m in ent.local_members]
            if ent.base is not None and ent.base.is_implicit:
                names = [m.name for m in ent.base.local_members]
        elif isinstance(ent, AlternateType):
            names = [v.name for v in ent.variants]
        else:
            names = []
            if ent.arg_type is not None and ent.arg_type.is_implicit:
                names = [m.name for m in ent.arg_type.members]
        for n in names:
            if n not in doc.args:
                raise QAPIError(info, "%s '%s': member '%s' is not "
                                "documented" % (meta, name, n))
        for n, (_, ainfo) in doc.args.items():
            if n not in names:
                raise QAPIError(ainfo, "%s '%s': documented member '%s' "
                                "does not exist" % (meta, name, n))

    # --- queries for the backends ---------------------------------------

    def types(self):
        return [e for e in self.entities if isinstance(e, Type)]

    def commands(self):
        return [e for e in self.entities if isinstance(e, Command)]

    def events(self):
        return [e for e in self.entities if isinstance(e, Event)]
