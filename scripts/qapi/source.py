"""Source positions and errors of the QAPI generator."""


class QAPISourceInfo:
    """Where something was defined: file name and 1-based line."""

    def __init__(self, fname, line):
        self.fname = fname
        self.line = line

    def __str__(self):
        return '%s:%d' % (self.fname, self.line)


class QAPIError(Exception):
    """An error in the schema, reported as "file:line: message"."""

    def __init__(self, info, msg):
        super().__init__(msg)
        self.info = info
        self.msg = msg

    def __str__(self):
        if self.info is None:
            return self.msg
        return '%s: %s' % (self.info, self.msg)
