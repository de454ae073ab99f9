"""The package's layering (docs/architecture.md), read from the source: which wna package
may import which, no import cycles between modules, no runner state in the models, and
every registered class under its own name, which names wna."""
from __future__ import annotations

import ast
import inspect
import os
from collections.abc import Iterator

import pytest
from mmengine.registry import Registry

import projects.wna  # noqa: F401  (registers every component)

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                    'projects', 'wna')
BOTTOM = {'charset'}
MIDDLE = {'datasets', 'models', 'evaluation', 'visualization'}
#: Package -> the wna packages it may import.
ALLOWED = {
    'charset': set(),
    **{pkg: BOTTOM for pkg in MIDDLE},
    'engine': BOTTOM | MIDDLE,
    **{pkg: BOTTOM | MIDDLE | {'engine'} for pkg in ('apis', 'analysis', 'convert')},
}


def modules() -> Iterator[tuple[str, ast.Module]]:
    """``(dotted module name, syntax tree)`` of every module of ``projects.wna``."""
    for folder, _, files in os.walk(ROOT):
        for name in sorted(files):
            if name.endswith('.py'):
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, os.path.dirname(os.path.dirname(ROOT)))
                dotted = rel[:-3].replace(os.sep, '.').removesuffix('.__init__')
                with open(path, encoding='utf-8') as f:
                    yield dotted, ast.parse(f.read())


def imported(module: str, tree: ast.Module) -> set[str]:
    """The absolute names of every module ``module`` imports (anywhere in it)."""
    package = module if tree_is_package(module) else module.rsplit('.', 1)[0]
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                parts = package.split('.')
                parts = parts[:len(parts) - node.level + 1]
                base = '.'.join(parts + ([base] if base else []))
            names.add(base)
            names |= {f'{base}.{alias.name}' for alias in node.names}
    return names


def tree_is_package(module: str) -> bool:
    return os.path.isdir(os.path.join(os.path.dirname(os.path.dirname(ROOT)),
                                      *module.split('.')))


MODULES = dict(modules())
KNOWN = set(MODULES)


def project_imports(module: str) -> set[str]:
    return {name for name in imported(module, MODULES[module]) if name in KNOWN} - {module}


@pytest.mark.parametrize('module', sorted(KNOWN))
def test_imports_go_one_way_down(module):
    parts = module.split('.')
    if len(parts) < 3:
        return  # projects.wna itself imports every package to register them
    own = parts[2]
    for name in project_imports(module):
        target = name.split('.')
        if len(target) > 2 and target[2] != own:
            assert target[2] in ALLOWED[own], f'{module} imports {name}'


def test_no_import_cycles_between_modules():
    """Depth-first search over module -> imported module (packages' ``__init__``
    re-exports excluded: a package imports its own modules)."""
    graph = {m: {n for n in project_imports(m) if not m.startswith(n + '.')} for m in KNOWN}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            if nxt.startswith(node + '.'):
                continue  # a package importing its own modules
            if state.get(nxt) == 1:
                pytest.fail(f'import cycle: {" -> ".join(path[path.index(nxt):] + [nxt])}')
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for module in sorted(KNOWN):
        if module not in state:
            visit(module, [module])


def test_models_read_no_runner_state():
    for module in KNOWN:
        if module.startswith('projects.wna.models'):
            names = imported(module, MODULES[module])
            assert not {n for n in names if n.startswith(('mmengine.runner',
                                                          'mmengine.logging'))}, module


def wna_registrations() -> Iterator[tuple[str, str, type]]:
    """``(registry, registered name, class)`` of every wna component in MMOCR's
    registries."""
    from mmocr import registry as mmocr_registry
    for attr in dir(mmocr_registry):
        reg = getattr(mmocr_registry, attr)
        if isinstance(reg, Registry):
            for name, cls in reg.module_dict.items():
                if inspect.isclass(cls) and cls.__module__.startswith('projects.wna'):
                    yield attr, name, cls


def test_every_registered_class_has_one_name_with_the_wna_prefix():
    seen: dict[type, str] = {}
    registrations = list(wna_registrations())
    assert len(registrations) > 30
    for registry, name, cls in registrations:
        assert name == cls.__name__, f'{registry}: {cls.__qualname__} registered as {name}'
        assert 'WnA' in name, f'{registry}: {name} does not say it is a wna component'
        assert seen.setdefault(cls, name) == name, f'{cls} has two names'
