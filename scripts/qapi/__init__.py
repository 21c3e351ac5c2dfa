"""The QAPI code generator of storage-daemon.

Modules:
  source    -- source positions and the error type (file:line: message)
  parser    -- the schema syntax (JSON with single quotes and '#' comments)
               and '##' documentation blocks
  schema    -- semantic checks and the resolved schema model
  common    -- C naming helpers and the output file writer
  types, visit, commands, events, introspect, doc -- the backends
  main      -- the command line (scripts/qapi-gen.py)
"""
