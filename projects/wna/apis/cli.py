"""The command-line entry of every tool: expected failures as one line, bugs as tracebacks.

Each ``tools/<name>.py`` ends with ``sys.exit(run_main(main))``. A failure the user can fix
(a missing, unreadable or damaged file, a bad value: :data:`EXPECTED_ERRORS`) prints one
line ``error: <message>`` on stderr and exits with code 2; any other exception is a bug and
keeps its traceback (exit code 1). ``--debug`` anywhere on the command line (before a
``--``), or ``WNA_DEBUG=1`` in the environment, re-raises expected failures too, to show
their traceback.
"""
from __future__ import annotations

import os
import pickle
import sys
import zipfile
from collections.abc import Callable, Sequence

#: Failures caused by the input, not by wna: ``OSError`` covers missing files,
#: permissions, folders given for files and fonts FreeType cannot open; ``ValueError``
#: covers bad values and damaged files (wna's own errors such as ``UnicodeDecodeError``,
#: a corrupt LMDB or a checkpoint that does not fit subclass it).
EXPECTED_ERRORS: tuple[type[BaseException], ...] = (
    OSError, ValueError, zipfile.BadZipFile, EOFError, pickle.UnpicklingError,
    FloatingPointError)  # a diverged training run (WnANonFiniteLossHook)

#: The option that shows the traceback of an expected failure.
DEBUG_FLAG = '--debug'
#: The environment variable that does the same when set to anything but ``''`` / ``'0'``.
DEBUG_ENV = 'WNA_DEBUG'

#: Exit code of an expected failure (argparse uses 2 for usage errors, too).
EXIT_EXPECTED = 2


def split_debug_flag(argv: Sequence[str]) -> tuple[list[str], bool]:
    """``argv`` without :data:`DEBUG_FLAG` (only before a ``--``), and whether it was there."""
    args = list(argv)
    end = args.index('--') if '--' in args else len(args)
    head = [a for a in args[:end] if a != DEBUG_FLAG]
    return head + args[end:], len(head) != end


def error_message(err: BaseException) -> str:
    """The one-line text of an expected failure (``OSError`` as ``<file>: <reason>``)."""
    if isinstance(err, OSError) and err.filename is not None and err.strerror:
        return f'{err.filename}: {err.strerror}'
    text = str(err).strip()
    return text or type(err).__name__


def run_main(main: Callable[[list[str]], object], argv: Sequence[str] | None = None) -> int:
    """Run a tool's ``main(argv)`` and return its exit code.

    Args:
        main: the tool's entry; it gets the arguments without ``--debug``. An ``int`` it
            returns is the exit code (tools return their own 0 / 1 / 2); anything else
            (a report, ``None``) means success, 0.
        argv: the arguments; ``sys.argv[1:]`` when ``None``.

    Returns:
        the exit code; :data:`EXIT_EXPECTED` (2) after printing ``error: <message>`` for
        an exception of :data:`EXPECTED_ERRORS`. Other exceptions propagate (traceback,
        exit code 1), and so do expected ones with ``--debug`` or ``WNA_DEBUG=1``.
    """
    args, debug = split_debug_flag(sys.argv[1:] if argv is None else argv)
    debug = debug or os.environ.get(DEBUG_ENV, '') not in ('', '0')
    try:
        result = main(args)
    except EXPECTED_ERRORS as err:
        if debug:
            raise
        print(f'error: {error_message(err)}', file=sys.stderr)
        return EXIT_EXPECTED
    return result if isinstance(result, int) else 0
