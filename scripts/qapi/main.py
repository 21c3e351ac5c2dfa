"""Command line of the QAPI generator: qapi-gen.py -o OUTDIR SCHEMA."""

import argparse
import sys

from . import commands, doc, events, introspect, types, visit
from .schema import QAPISchema
from .source import QAPIError

BACKENDS = {
    'types': types.generate,
    'visit': visit.generate,
    'commands': commands.generate,
    'events': events.generate,
    'introspect': introspect.generate,
    'doc': doc.generate,
}


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog='qapi-gen.py',
        description='Generate C code and documentation from a QAPI schema.')
    ap.add_argument('-o', '--output-dir', default='.',
                    help='write the output files here')
    ap.add_argument('-b', '--backend', action='append',
                    choices=sorted(BACKENDS),
                    help='run only this backend (may be repeated; '
                    'default: all)')
    ap.add_argument('--check', action='store_true',
                    help='only check the schema, write nothing')
    ap.add_argument('schema', help='the main schema file')
    args = ap.parse_args(argv)
    try:
        schema = QAPISchema(args.schema)
    except QAPIError as err:
        print(err, file=sys.stderr)
        return 1
    if args.check:
        return 0
    for name in args.backend or list(BACKENDS):
        BACKENDS[name](schema, args.output_dir)
    return 0
