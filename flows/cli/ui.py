"""`iopdir ui`: serve the review report on this machine, to filter flags and record decisions (flows/ui)."""

import argparse
import os
import socket
import sys

from flows.cli.common import EXIT_OK, CommandError, require_database


def cmd_ui(args: argparse.Namespace) -> int:
    """Serve the review pages until Ctrl-C."""
    import getpass

    import uvicorn

    from flows.ui.app import allowed_hosts, create_app

    require_database(args.db)
    if not 0 < args.port < 65536:
        raise CommandError(f"--port {args.port} is not a port")
    _check_port(args.host, args.port)
    app = create_app(args.db, args.by or getpass.getuser(), allowed_hosts(args.host, args.port))
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"iopdir ui: warning: listening on {args.host}: other machines can reach it", file=sys.stderr)
    print(f"iopdir ui: reviewing {args.db} at http://{args.host}:{args.port}/ (Ctrl-C stops)", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", server_header=False)
    return EXIT_OK


def _check_port(host: str, port: int) -> None:
    """`CommandError` (exit 2) when host:port cannot be listened on, e.g. another `iopdir ui` has it."""
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise CommandError(f"cannot listen on {host}:{port}: {reason}; choose another --port") from error
