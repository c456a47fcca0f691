"""The ``stridekit`` command: only input and output; the work is done by the package."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from stridekit import __version__
from stridekit.errors import StridekitError


class _Bar:
    """A progress bar on standard error, for ``progress(done, total, path)`` callbacks."""

    def __init__(self, label: str) -> None:
        self.label = label

    def __call__(self, done: int, total: int, path: str) -> None:
        if not sys.stderr.isatty() and done != total:
            return
        width = 30
        filled = int(width * done / total) if total else width
        sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _serve(args: argparse.Namespace) -> int:
    from stridekit.serve import serve

    print(
        f"Serving the dashboards at http://127.0.0.1:{args.port}/voila/render/overview.ipynb",
        file=sys.stderr,
    )
    serve(args.log, port=args.port, progress=_Bar("reading the log"))
    return 0


def _sample(args: argparse.Namespace) -> int:
    from stridekit.sample import write_sample

    folder = write_sample(args.to, weeks=args.weeks, seed=args.seed)
    print(f"wrote the sample runner's log to {folder}")
    return 0


def parser() -> argparse.ArgumentParser:
    """The command line's parser."""
    from stridekit.sample import DEFAULT_SEED, DEFAULT_WEEKS
    from stridekit.serve import DEFAULT_PORT

    top = argparse.ArgumentParser(prog="stridekit", description=__doc__)
    top.add_argument("--version", action="version", version=f"stridekit {__version__}")
    sub = top.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the dashboards with Voila on 127.0.0.1")
    serve.add_argument(
        "log", nargs="?", type=Path, help="a log folder or file (default: the bundled sample)"
    )
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help="default %(default)s")
    serve.set_defaults(run=_serve)

    sample = sub.add_parser("sample", help="write the sample runner's log")
    sample.add_argument("--to", type=Path, required=True, help="the folder to write")
    sample.add_argument("--weeks", type=int, default=DEFAULT_WEEKS, help="default %(default)s")
    sample.add_argument("--seed", type=int, default=DEFAULT_SEED, help="default %(default)s")
    sample.set_defaults(run=_sample)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; bad input gives a one-line error and exit status 1."""
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except StridekitError as exc:
        print(f"stridekit: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a folder that cannot be written, a port in use ...
        print(
            f"stridekit: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
