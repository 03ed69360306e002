"""The simulator's access log, under a logger of its own (``RunaiSimulator``).

Tornado logs every request to ``tornado.access``, and Jupyter makes tornado's loggers children of
its own: embedded in Jupyter, the simulator's requests (``GET /api/v1/...``) would read as if
Jupyter served them. Its own name keeps them apart; embedded, only its warnings are shown.
"""

from __future__ import annotations

import logging

from tornado import web

LOGGER_NAME = "RunaiSimulator"
log = logging.getLogger(LOGGER_NAME)


def log_request(handler: web.RequestHandler) -> None:
    """The application's ``log_function``: a line per request, a warning for 5xx answers."""
    status = handler.get_status()
    level = logging.INFO if status < 500 else logging.WARNING
    took = 1000.0 * handler.request.request_time()
    log.log(level, "%d %s %.2fms", status, handler._request_summary(), took)


def quiet_simulator_log(host: logging.Logger) -> None:
    """Embedded in ``host`` (Jupyter's log): the simulator's lines go to the host's handlers
    under their own name, warnings only, unless the host logs at debug level."""
    # traitlets applications filter in their handlers (the logger itself passes DEBUG)
    verbose = host.isEnabledFor(logging.DEBUG) and (
        not host.handlers or any(h.level <= logging.DEBUG for h in host.handlers)
    )
    log.setLevel(logging.DEBUG if verbose else logging.WARNING)
    if host.handlers:  # the latest host's (a process may run servers one after another)
        log.propagate = False
        log.handlers = list(host.handlers)
