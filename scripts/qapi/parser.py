"""Parser of the QAPI schema language.

A schema file is a sequence of top-level JSON objects written in a
Python-literal style: strings use single quotes, '#' starts a comment
that runs to the end of the line, and true/false are the only bare
words. A comment block that starts and ends with a line '##' documents
the definition that follows it (or, when its first line is not
'@name:', is free-form text such as a section heading).

Every error raises QAPIError with the file and line of the offending
token.
"""

import os
import re
import textwrap

from .source import QAPIError, QAPISourceInfo


# Section tags recognised in documentation comments.
DOC_TAGS = ('Returns', 'Errors', 'Since', 'Example', 'Examples', 'Note',
            'Notes', 'Features')


class QAPIDoc:
    """One '##' documentation block.

    symbol   -- the documented definition's name, or None (free-form)
    body     -- the text before the member descriptions
    args     -- {member name: [description, QAPISourceInfo]}
    sections -- [(tag, text)] for Returns:, Errors:, Example: ...
    """

    def __init__(self, info):
        self.info = info
        self.symbol = None
        self.body = ''
        self.args = {}
        self.sections = []
        self.trailer = ''

    @staticmethod
    def _line_info(info, index):
        # Line 0 of the text is the line after the opening '##'.
        return QAPISourceInfo(info.fname, info.line + 1 + index)

    @classmethod
    def parse(cls, info, lines):
        """Build a QAPIDoc from the comment lines without their '# '."""
        doc = cls(info)
        if not lines:
            raise QAPIError(info, "empty documentation comment")
        first = lines[0]
        start = 0
        if first.startswith('@'):
            m = re.match(r'@([^:\s]+):$', first)
            if not m:
                raise QAPIError(cls._line_info(info, 0),
                                "line should end with ':'")
            doc.symbol = m.group(1)
            start = 1
            if len(lines) > 1 and lines[1].strip():
                raise QAPIError(cls._line_info(info, 1),
                                "blank line expected after '@%s:'"
                                % doc.symbol)

        # Each entry: [kind, name, list of lines, first line index]
        blocks = [['body', None, [], start]]
        for i in range(start, len(lines)):
            line = lines[i]
            m_arg = re.match(r'@([^:\s]+):(\s.*|)$', line)
            m_tag = re.match(r'(%s):(\s.*|)$' % '|'.join(DOC_TAGS), line)
            if m_arg:
                blocks.append(['arg', m_arg.group(1),
                               [m_arg.group(2).strip()], i])
            elif m_tag:
                blocks.append(['tag', m_tag.group(1),
                               [m_tag.group(2).strip()], i])
            elif line.startswith('@'):
                raise QAPIError(cls._line_info(info, i),
                                "member description must look like "
                                "'@name: text'")
            elif (blocks[-1][0] != 'body' and line.strip()
                  and not line.startswith(' ')):
                # Unindented text after a section: free text that
                # follows the member descriptions.
                blocks.append(['text', None, [line], i])
            else:
                blocks[-1][2].append(line)

        for kind, name, text_lines, index in blocks:
            if kind != 'body' and text_lines and text_lines[0] == '':
                # "Example:" alone on its line: keep the indentation of
                # what follows (it is usually a code block).
                text = textwrap.dedent('\n'.join(text_lines[1:]))
            elif text_lines:
                rest = textwrap.dedent('\n'.join(text_lines[1:]))
                text = text_lines[0] + ('\n' + rest if rest else '')
            else:
                text = ''
            text = text.strip('\n')
            if kind == 'body':
                doc.body = text
            elif kind == 'arg':
                if name in doc.args:
                    raise QAPIError(cls._line_info(info, index),
                                    "'%s' is documented twice" % name)
                if not text.strip():
                    raise QAPIError(cls._line_info(info, index),
                                    "member '%s' has an empty description"
                                    % name)
                doc.args[name] = [text, cls._line_info(info, index)]
            elif kind == 'tag':
                doc.sections.append((name, text))
            else:
                doc.trailer += ('\n\n' if doc.trailer else '') + text
        return doc


class QAPISchemaParser:
    """Parse one schema file, following its includes.

    After construction, self.exprs is a list of dicts
    {'expr': <dict>, 'info': QAPISourceInfo, 'doc': QAPIDoc or None}
    and self.docs holds every documentation block in order (including
    free-form ones), as (QAPIDoc, expression or None).
    """

    def __init__(self, fname, previously_included=None, incl_info=None,
                 stack=None):
        self.fname = fname
        self.included = previously_included
        if self.included is None:
            self.included = set()
        self.stack = (stack or []) + [os.path.abspath(fname)]
        self.included.add(os.path.abspath(fname))
        try:
            with open(fname, encoding='utf-8') as fp:
                self.src = fp.read()
        except OSError as e:
            raise QAPIError(incl_info, "can't read schema file '%s': %s"
                            % (fname, e.strerror))
        if not self.src.endswith('\n'):
            self.src += '\n'
        self.cursor = 0
        self.line = 1
        self.tok = None
        self.val = None
        self.exprs = []
        self.docs = []
        self._parse()

    def _info(self):
        return QAPISourceInfo(self.fname, self.line)

    def _error(self, msg):
        raise QAPIError(self._info(), msg)

    # --- lexer -----------------------------------------------------------

    def accept(self, skip_comment=True):
        """Advance to the next token: one of '{}[]:,', "'" (a string in
        self.val), 't'/'f' (true/false), '#' (a comment line in
        self.val, only when not skip_comment) or None at end of file."""
        while True:
            if self.cursor >= len(self.src):
                self.tok = None
                return
            self.tok = self.src[self.cursor]
            self.cursor += 1
            if self.tok == '#':
                end = self.src.find('\n', self.cursor - 1)
                self.val = self.src[self.cursor - 1:end]
                self.cursor = end
                if not skip_comment:
                    return
            elif self.tok in '{}[]:,':
                return
            elif self.tok == "'":
                self._lex_string()
                return
            elif self.src.startswith('true', self.cursor - 1):
                self.val = True
                self.cursor += 3
                return
            elif self.src.startswith('false', self.cursor - 1):
                self.val = False
                self.cursor += 4
                return
            elif self.tok == '\n':
                self.line += 1
            elif self.tok in ' \t\r':
                continue
            else:
                m = re.match(r'[^\s{}\[\]:,#\']+',
                             self.src[self.cursor - 1:])
                self._error("stray '%s'" % m.group(0))

    def _lex_string(self):
        chars = []
        while True:
            ch = self.src[self.cursor]
            self.cursor += 1
            if ch == '\n':
                self._error("missing terminating \"'\"")
            if ch == "'":
                break
            if ch == '\\':
                esc = self.src[self.cursor]
                self.cursor += 1
                if esc not in '\\/\'"':
                    self._error("unknown escape \\%s" % esc)
                ch = esc
            elif not ch.isprintable():
                self._error("funny character in string")
            chars.append(ch)
        self.val = ''.join(chars)

    # --- values -----------------------------------------------------------

    def _get_value(self, nested):
        """Parse the value starting at the current token; on return the
        current token is the one after it."""
        if self.tok == '{':
            return self._get_members(nested)
        if self.tok == '[':
            return self._get_values(nested)
        if self.tok in ("'", 't', 'f'):
            val = self.val
            self.accept(not nested)
            return val
        if self.tok is None:
            self._error("expected value, got end of file")
        self._error("expected '{', '[', string, or boolean")

    def _get_members(self, nested):
        expr = {}
        self.accept()
        if self.tok == '}':
            self.accept(nested)
            return expr
        while True:
            if self.tok != "'":
                self._error("expected string or '}'")
            key = self.val
            if key in expr:
                self._error("duplicate key '%s'" % key)
            self.accept()
            if self.tok != ':':
                self._error("expected ':'")
            self.accept()
            expr[key] = self._get_value(True)
            if self.tok == '}':
                self.accept(nested)
                return expr
            if self.tok != ',':
                self._error("expected ',' or '}'")
            self.accept()

    def _get_values(self, nested):
        values = []
        self.accept()
        if self.tok == ']':
            self.accept(nested)
            return values
        while True:
            values.append(self._get_value(True))
            if self.tok == ']':
                self.accept(nested)
                return values
            if self.tok != ',':
                self._error("expected ',' or ']'")
            self.accept()

    # --- documentation ----------------------------------------------------

    def _get_doc(self, info):
        if self.val != '##':
            self._error("junk after '##' at start of documentation comment")
        lines = []
        self.accept(False)
        while self.tok == '#':
            if self.val.startswith('##'):
                if self.val != '##':
                    self._error("junk after '##' at end of documentation "
                                "comment")
                self.accept(False)
                return QAPIDoc.parse(info, lines)
            if self.val.startswith('# '):
                lines.append(self.val[2:])
            elif self.val == '#':
                lines.append('')
            else:
                self._error("missing space after #")
            self.accept(False)
        raise QAPIError(info, "documentation comment must end with '##'")

    # --- top level --------------------------------------------------------

    def _parse(self):
        pending_doc = None
        self.accept(False)
        while self.tok is not None:
            info = self._info()
            if self.tok == '#':
                if self.val.startswith('##'):
                    if pending_doc:
                        raise QAPIError(pending_doc.info,
                                        "documentation for '%s' is not "
                                        "followed by the definition"
                                        % pending_doc.symbol)
                    doc = self._get_doc(info)
                    if doc.symbol is None:
                        self.docs.append((doc, None))
                    else:
                        pending_doc = doc
                else:
                    self.accept(False)
                continue
            if self.tok != '{':
                self._error("expected '{' at top level")
            expr = self._get_value(False)
            if 'include' in expr:
                if pending_doc:
                    raise QAPIError(info, "documentation comment before "
                                    "'include'")
                self._include(expr, info)
                continue
            if 'pragma' in expr:
                if len(expr) != 1 or not isinstance(expr['pragma'], dict):
                    raise QAPIError(info, "'pragma' must be an object")
                continue
            entry = {'expr': expr, 'info': info, 'doc': pending_doc}
            self.exprs.append(entry)
            if pending_doc:
                self.docs.append((pending_doc, entry))
            pending_doc = None
        if pending_doc:
            raise QAPIError(pending_doc.info,
                            "documentation for '%s' is not followed by the "
                            "definition" % pending_doc.symbol)

    def _include(self, expr, info):
        incl = expr['include']
        if len(expr) != 1:
            raise QAPIError(info, "invalid 'include' directive")
        if not isinstance(incl, str):
            raise QAPIError(info, "value of 'include' must be a string")
        path = os.path.join(os.path.dirname(self.fname), incl)
        if os.path.abspath(path) in self.stack:
            raise QAPIError(info, "inclusion loop for %s" % incl)
        if os.path.abspath(path) in self.included:
            return
        sub = QAPISchemaParser(path, self.included, info, self.stack)
        self.exprs.extend(sub.exprs)
        self.docs.extend(sub.docs)
