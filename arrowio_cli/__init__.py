"""The ``arrowio`` command line: a thin click application over the :mod:`arrowio` library."""
