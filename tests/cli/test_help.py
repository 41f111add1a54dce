"""Every command's `--help` ends with examples that parse; `iopdir --version`; shell completion scripts."""

import shlex
import subprocess

import pytest

from flows.cli import main
from flows.cli.completion import package_version
from flows.cli.parser import EXAMPLES, build_parser, subcommands

PARSER = build_parser()
COMMANDS = sorted(subcommands(PARSER))


def test_every_command_and_only_those_have_examples() -> None:
    assert set(EXAMPLES) == set(COMMANDS)
    assert {"show", "runs", "sources", "completion", "eval hours", "flags", "review"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_ends_with_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([*command.split(), "--help"])
    assert done.value.code == 0
    help_text = capsys.readouterr().out
    example = help_text[help_text.index("\nExample:\n") :]
    assert all(f"  {line}\n" in example for line in EXAMPLES[command])  # as written, line breaks kept


@pytest.mark.parametrize("example", sorted({line for lines in EXAMPLES.values() for line in lines}))
def test_every_example_parses(example: str) -> None:
    argv = shlex.split(example)
    assert argv[0] == "iopdir"
    args = build_parser().parse_args(argv[1:])
    assert callable(args.func)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    version = capsys.readouterr().out.strip()
    assert version == f"iopdir {package_version()}" and package_version() != "unknown"


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_knows_the_commands_and_their_options(shell: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    names = ("run", "query", "flags", "changes", "show", "runs", "sources", "review", "export", "completion")
    if shell == "bash":
        assert set(names) <= set(script.split("_shtab_iopdir_subparsers=(")[1].split(")")[0].split())
    else:
        assert all(f"    {name}:'" in script for name in names)
    assert "--min-confidence" in script and "--severity" in script and "--wide" in script
    if shell == "bash":
        assert script.rstrip().endswith("complete -o bashdefault -F _shtab_iopdir iopdir")
        checked = subprocess.run(["bash", "-n"], input=script, text=True, capture_output=True, check=False)
        assert checked.returncode == 0, checked.stderr
    else:
        assert script.startswith("#compdef iopdir")
