#!/usr/bin/env python3
"""Tests of the QAPI generator (TAP output).

For every <name>.json in this directory that has a <name>.err, check that
the generator fails with exit status 1 and prints exactly the expected
"file:line: message". Schemas without .err (good.json, and the main
schema given with --main-schema) must generate without errors, and every
output file must appear. With --cc, the C files generated from good.json
must also compile (-fsyntax-only) against include/ and json-glib.
"""

import argparse
import glob
import os
import subprocess
import sys
import tempfile

OUTPUTS = ['qapi-types.h', 'qapi-types.c', 'qapi-visit.h', 'qapi-visit.c',
           'qapi-commands.h', 'qapi-commands.c', 'qapi-events.h',
           'qapi-events.c', 'qapi-introspect.h', 'qapi-introspect.c',
           'qmp-reference.md']


def run(generator, schema, outdir, cwd):
    return subprocess.run([sys.executable, generator, '-o', outdir, schema],
                          cwd=cwd, capture_output=True, text=True)


def compile_check(args, outdir, res):
    """Compile the generated C files; they include "qapi/<file>.h", so
    they are moved to <outdir>/qapi/ and <outdir> comes first."""
    if res.returncode != 0:
        return False, 'generation failed: %r' % res.stderr
    qdir = os.path.join(outdir, 'qapi')
    os.makedirs(qdir)
    for f in OUTPUTS:
        os.rename(os.path.join(outdir, f), os.path.join(qdir, f))
    pc = subprocess.run(['pkg-config', '--cflags', 'json-glib-1.0'],
                        capture_output=True, text=True)
    if pc.returncode != 0:
        return False, 'pkg-config failed: %r' % pc.stderr
    cflags = ['-I' + outdir] + ['-I' + d for d in args.include] + \
        pc.stdout.split() + ['-std=gnu11', '-Wall', '-Werror',
                             '-Wno-unused-function', '-fsyntax-only']
    for f in OUTPUTS:
        if f.endswith('.c'):
            cc = subprocess.run(args.cc.split() + cflags +
                                [os.path.join(qdir, f)],
                                capture_output=True, text=True)
            if cc.returncode != 0:
                return False, '%s: %s' % (f, cc.stderr.replace('\n', '\n# '))
    return True, ''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--generator', required=True)
    ap.add_argument('--schema-dir', required=True)
    ap.add_argument('--main-schema', required=True)
    ap.add_argument('--cc', help='C compiler for the compile check')
    ap.add_argument('--include', action='append', default=[],
                    help='include directory for the compile check')
    args = ap.parse_args()
    generator = os.path.abspath(args.generator)
    sdir = os.path.abspath(args.schema_dir)

    cases = []
    for err in sorted(glob.glob(os.path.join(sdir, '*.err'))):
        cases.append(('bad', os.path.basename(err)[:-4] + '.json', err))
    cases.append(('good', 'good.json', None))
    cases.append(('good', os.path.abspath(args.main_schema), None))
    if args.cc:
        cases.append(('compile', 'good.json', None))

    print('1..%d' % len(cases))
    failures = 0
    for n, (kind, schema, errfile) in enumerate(cases, 1):
        with tempfile.TemporaryDirectory() as outdir:
            res = run(generator, schema, outdir, sdir)
            name = os.path.basename(schema)
            if kind == 'bad':
                with open(errfile, encoding='utf-8') as fp:
                    expected = fp.read()
                ok = res.returncode == 1 and res.stderr == expected
                detail = ('exit %d, stderr %r, expected %r'
                          % (res.returncode, res.stderr, expected))
            elif kind == 'compile':
                ok, detail = compile_check(args, outdir, res)
            else:
                missing = [f for f in OUTPUTS
                           if not os.path.exists(os.path.join(outdir, f))]
                ok = res.returncode == 0 and not res.stderr and not missing
                detail = ('exit %d, stderr %r, missing %s'
                          % (res.returncode, res.stderr, missing))
        if ok:
            print('ok %d - %s %s' % (n, kind, name))
        else:
            failures += 1
            print('not ok %d - %s %s' % (n, kind, name))
            print('# ' + detail)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
