"""``arrowio completion SHELL``: click's completion script for bash, zsh or fish."""

from __future__ import annotations

import click

__all__ = ["completion", "COMPLETE_VAR"]

#: The variable click's scripts set when they ask ``arrowio`` for completions.
COMPLETE_VAR = "_ARROWIO_COMPLETE"


@click.command("completion")
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell completion script of arrowio for SHELL (bash, zsh or fish).

    Subcommands, options and file names complete; the script asks arrowio itself, so it
    follows the installed version.

    \b
    Enable it:
      bash:  eval "$(arrowio completion bash)"      (in ~/.bashrc)
      zsh:   eval "$(arrowio completion zsh)"       (in ~/.zshrc)
      fish:  arrowio completion fish > ~/.config/fish/completions/arrowio.fish
    """
    from click.shell_completion import get_completion_class

    from .main import cli

    completer = get_completion_class(shell)
    assert completer is not None  # click.Choice allowed only the shells click has
    click.echo(completer(cli, {}, "arrowio", COMPLETE_VAR).source())
