"""`rtw completion bash|zsh`: a completion script written from rtw's own argparse parser, so a
command, flag or choice added to the parser completes without an edit here.

The script knows, for each command path (`rtw`, `rtw audit`, `rtw audit verify`): its
subcommands, its flags, the values of flags and arguments that have choices, and whether it
takes a file or other free argument (then the shell's file completion is offered).
"""

from __future__ import annotations

import argparse
import shlex
from dataclasses import dataclass, field

PROGRAM = "rtw"


@dataclass
class Node:
    """One command path of the parser and what may follow it."""

    path: tuple[str, ...]
    commands: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    choices: dict[str, list[str]] = field(default_factory=dict)  # flag -> its values
    free_flags: list[str] = field(default_factory=list)  # flags whose value is free (a file)
    positional_choices: list[str] = field(default_factory=list)
    free_positional: bool = False

    @property
    def key(self) -> str:
        return " ".join(self.path)

    def words(self) -> list[str]:
        return [*self.commands, *self.positional_choices, *self.flags]


def nodes(parser: argparse.ArgumentParser, path: tuple[str, ...] = (PROGRAM,)) -> list[Node]:
    """Every command path of the parser, depth first, the root first."""
    node = Node(path=path)
    below: list[Node] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                node.commands.append(name)
                below.extend(nodes(sub, (*path, name)))
        elif action.option_strings:
            long_flags = [f for f in action.option_strings if f.startswith("--")]
            node.flags.extend(long_flags or action.option_strings)
            if action.nargs == 0:
                continue
            for flag in action.option_strings:
                if action.choices is not None:
                    node.choices[flag] = [str(c) for c in action.choices]
                else:
                    node.free_flags.append(flag)
        elif action.choices is not None:
            node.positional_choices.extend(str(c) for c in action.choices)
        else:
            node.free_positional = True
    return [node, *below]


def _words(values: list[str]) -> str:
    return shlex.quote(" ".join(values))


def bash(parser: argparse.ArgumentParser) -> str:
    tree = nodes(parser)
    paths = "|".join(f'"{n.key}"' for n in tree[1:])
    lines = [
        f"# bash completion for {PROGRAM}, written by `{PROGRAM} completion bash`",
        f"_{PROGRAM}() {{",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
        f'    local cmdpath="{PROGRAM}" i words="" files=0',
        "    for ((i = 1; i < COMP_CWORD; i++)); do",
        '        case "$cmdpath ${COMP_WORDS[i]}" in',
        f'            {paths}) cmdpath="$cmdpath ${{COMP_WORDS[i]}}" ;;',
        "        esac",
        "    done",
        '    case "$cmdpath $prev" in',
    ]
    for node in tree:
        for flag, values in node.choices.items():
            lines.append(f'        "{node.key} {flag}") '
                         f'COMPREPLY=($(compgen -W {_words(values)} -- "$cur")); return ;;')
    free = "|".join(f'"{node.key} {flag}"' for node in tree for flag in node.free_flags)
    if free:  # a free value: the shell's own completion (files), through `-o default`
        lines.append(f"        {free}) COMPREPLY=(); return ;;")
    lines += ["    esac", '    case "$cmdpath" in']
    for node in tree:
        lines.append(f'        "{node.key}") words={_words(node.words())}; '
                     f"files={int(node.free_positional)} ;;")
    lines += [
        "    esac",
        '    if [[ $files == 1 && $cur != -* ]]; then',
        '        COMPREPLY=($(compgen -f -- "$cur"))',
        "    else",
        '        COMPREPLY=($(compgen -W "$words" -- "$cur"))',
        "    fi",
        "}",
        f"complete -o default -F _{PROGRAM} {PROGRAM}",
    ]
    return "\n".join(lines) + "\n"


def zsh(parser: argparse.ArgumentParser) -> str:
    tree = nodes(parser)
    paths = "|".join(f'"{n.key}"' for n in tree[1:])
    lines = [
        f"#compdef {PROGRAM}",
        f"# zsh completion for {PROGRAM}, written by `{PROGRAM} completion zsh`",
        f"_{PROGRAM}() {{",
        '    local cur="${words[CURRENT]}" prev="${words[CURRENT-1]}"',
        f'    local cmdpath="{PROGRAM}" i files=0',
        "    local -a candidates",
        "    for ((i = 2; i < CURRENT; i++)); do",
        '        case "$cmdpath ${words[i]}" in',
        f'            ({paths}) cmdpath="$cmdpath ${{words[i]}}" ;;',
        "        esac",
        "    done",
        '    case "$cmdpath $prev" in',
    ]
    for node in tree:
        for flag, values in node.choices.items():
            quoted = " ".join(shlex.quote(v) for v in values)
            lines.append(f'        ("{node.key} {flag}") compadd -- {quoted}; return ;;')
    free = "|".join(f'"{node.key} {flag}"' for node in tree for flag in node.free_flags)
    if free:
        lines.append(f"        ({free}) _default; return ;;")
    lines += ["    esac", '    case "$cmdpath" in']
    for node in tree:
        quoted = " ".join(shlex.quote(w) for w in node.words())
        lines.append(f'        ("{node.key}") candidates=({quoted}); '
                     f"files={int(node.free_positional)} ;;")
    lines += [
        "    esac",
        '    if [[ $files == 1 && $cur != -* ]]; then',
        "        _files",
        "    else",
        "        compadd -- $candidates",
        "    fi",
        "}",
        f'if [[ "$funcstack[1]" == "_{PROGRAM}" ]]; then',
        f'    _{PROGRAM} "$@"',
        "else",
        f"    compdef _{PROGRAM} {PROGRAM}",
        "fi",
    ]
    return "\n".join(lines) + "\n"


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script for `shell` (bash or zsh)."""
    return bash(parser) if shell == "bash" else zsh(parser)
