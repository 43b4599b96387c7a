"""``python -m arrowio``: the ``arrowio`` command line, as ``python -m arrowio_cli`` runs it.

Only this entry point reaches into the CLI package; the library itself never imports it.
"""

from arrowio_cli.main import main

main()
