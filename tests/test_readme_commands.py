"""Every command of README.md's ``bash`` blocks is true as written.

For each command: the tools and configs it names exist; a ``python tools/<x>.py`` command
parses with that tool's own argument parser (usage brackets ``[...]`` removed, upper-case
placeholders such as ``CKPT`` filled in) and every option it shows is one the tool
offers; a ``bash tools/<x>.sh`` script passes ``bash -n``. The quick ones run for real:
``python -c`` snippets and building a training charset.
"""
import os
import os.path as osp
import re
import shlex
import subprocess
import sys

import pytest
from conftest import DEMO_CONFIG, ROOT, load_tool, run_tool_main

README = osp.join(ROOT, 'README.md')
#: Upper-case words that stand for a value in the README's usage lines.
PLACEHOLDERS = {'CKPT', 'CONFIG', 'DIR', 'NUM_PROCS'}


def readme_commands() -> list[str]:
    """The commands of README's ``bash`` blocks: continuation lines joined, comments
    dropped, ``&&`` chains split."""
    text = open(README, encoding='utf-8').read()
    commands = []
    for block in re.findall(r'```bash\n(.*?)```', text, flags=re.S):
        joined = re.sub(r'\\\n\s*', ' ', block)
        for line in joined.splitlines():
            line = re.sub(r'\s+#\s.*$', '', line).strip()
            commands += [part.strip() for part in line.split(' && ') if part.strip()]
    return commands


def without_brackets(command: str) -> str:
    """``command`` with its optional ``[...]`` groups (nested ones too) and ``...`` removed."""
    previous = None
    while previous != command:
        previous, command = command, re.sub(r'\[[^\[\]]*\]', '', command)
    return command.replace('...', '')


def fill_placeholders(args: list[str], tmp_path) -> list[str]:
    values = dict(CKPT=str(tmp_path / 'ckpt.pth'), CONFIG=DEMO_CONFIG, DIR=str(tmp_path),
                  NUM_PROCS='2')
    return [values.get(a, re.sub(r'<[^>]+>', str(tmp_path), a)) for a in args]


COMMANDS = readme_commands()


def test_the_readme_has_its_commands():
    assert COMMANDS[:2] == ['bash tools/install.sh', '.venv/bin/python tools/demo.py']
    assert len(COMMANDS) > 20


@pytest.mark.parametrize('command', [c for c in COMMANDS if ' tools/' in f' {c}'])
def test_every_tool_command_is_valid_as_written(command, tmp_path, capsys):
    command = re.sub(r'^([A-Z_]+=\S*\s+)+', '', command)  # environment assignments
    words = shlex.split(command)
    runner, script = words[0], words[1]
    assert osp.isfile(osp.join(ROOT, script)), f'{script} does not exist'
    for word in words:
        if re.match(r'(configs|tools)/\S+\.(py|sh)$', word):
            assert osp.isfile(osp.join(ROOT, word)), f'{word} of {command!r} does not exist'
    if runner == 'bash':
        assert subprocess.run(['bash', '-n', osp.join(ROOT, script)]).returncode == 0
        return
    assert runner == '.venv/bin/python', command
    tool = osp.basename(script)
    module = load_tool(osp.splitext(tool)[0])
    with pytest.raises(SystemExit):
        module.parse_args(['--help'])
    help_text = capsys.readouterr().out
    for option in re.findall(r'(?<![\w-])--[a-z][\w-]*', command):
        assert re.search(re.escape(option) + r'(?![\w-])', help_text), \
            f'{tool} has no option {option} ({command!r})'
    base = fill_placeholders(shlex.split(without_brackets(command))[2:], tmp_path)
    if any(w in PLACEHOLDERS for w in words):
        assert not any(w in PLACEHOLDERS for w in base)
    try:
        module.parse_args(base)
    except SystemExit as exit_:  # argparse rejected the command line
        pytest.fail(f'{command!r} does not parse (exit {exit_.code})')


def test_the_python_snippets_run():
    snippets = [re.search(r"python -c '([^']*)'", c) for c in COMMANDS]
    snippets = [m.group(1) for m in snippets if m]
    assert snippets
    for snippet in snippets:
        proc = subprocess.run([sys.executable, '-c', snippet], capture_output=True, text=True,
                              cwd='/', env=dict(os.environ, PYTHONPATH=ROOT), timeout=120)
        assert proc.returncode == 0, (snippet, proc.stderr[-2000:])
    # the configs folder the README exports as WNA_CONFIGS
    assert proc.stdout.strip() == osp.join(ROOT, 'configs', 'wna')


def test_building_the_training_charset_runs_as_written(tmp_path, monkeypatch):
    command = next(c for c in COMMANDS if 'tools/build_charset.py' in c)
    args = shlex.split(command)[2:]
    monkeypatch.chdir(tmp_path)
    assert run_tool_main('build_charset', args) == 0
    out = args[args.index('--out') + 1]
    from projects.wna.charset import load_charset
    charset = load_charset(tmp_path / out)
    assert len(charset) > 3000 and 'a' in charset and '的' in charset
