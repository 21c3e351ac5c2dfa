#!/usr/bin/env python3
"""Render a man page with groff and fail on any warning or empty output.

Usage: check-man.py GROFF PAGE
"""
import subprocess
import sys


def main():
    groff, page = sys.argv[1], sys.argv[2]
    proc = subprocess.run([groff, '-man', '-Tutf8', '-ww', '-z', page],
                          capture_output=True, text=True)
    if proc.returncode != 0 or proc.stderr.strip():
        sys.stderr.write(proc.stderr)
        print(f'{page}: groff reported problems (status {proc.returncode})')
        return 1
    out = subprocess.run([groff, '-man', '-Tutf8', '-P-cbou', page],
                         capture_output=True, text=True).stdout
    for section in ('NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS',
                    'EXIT STATUS'):
        if section not in out:
            print(f'{page}: section {section} missing from the output')
            return 1
    print(f'{page}: renders cleanly')
    return 0


if __name__ == '__main__':
    sys.exit(main())
