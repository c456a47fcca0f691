"""The ``stridekit`` command: only input and output; the work is done by the package."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
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
    from stridekit.serve import PUBLIC_MAX_KERNELS, serve

    if args.public:
        kernels = args.max_kernels or PUBLIC_MAX_KERNELS
        print(
            f"Serving the dashboards publicly at http://127.0.0.1:{args.port}/ (the overview): "
            f"pages only, at most {kernels} open at once. Put a reverse proxy in front to "
            "reach it from elsewhere (docs/reliability.md).",
            file=sys.stderr,
        )
    else:
        print(
            f"Serving the dashboards at http://127.0.0.1:{args.port}/voila/render/overview.ipynb",
            file=sys.stderr,
        )
    serve(
        args.log,
        port=args.port,
        max_upload_mb=args.max_upload_mb,
        progress=_Bar("reading the log"),
        public=args.public,
        max_kernels=args.max_kernels,
    )
    return 0


def _sample(args: argparse.Namespace) -> int:
    from stridekit.sample import DEFAULT_WEEKS, write_sample
    from stridekit.sample.strava_export import weeks_in, write_strava_export

    weeks = args.weeks if args.weeks is not None else DEFAULT_WEEKS
    if args.years is not None:
        weeks = weeks_in(args.years)
    if weeks < 1:
        print("stridekit: error: --weeks and --years must give at least one week", file=sys.stderr)
        return 2
    if args.format == "strava-zip":
        export = write_strava_export(
            args.to, weeks=weeks, seed=args.seed, progress=_Bar("writing the export")
        )
        print(
            f"wrote {export.activities} activities ({export.recordings} FIT recordings, "
            f"{export.records:,} records) to {export.path}"
        )
        return 0
    folder = write_sample(args.to, weeks=weeks, seed=args.seed, format=args.format)
    print(f"wrote the sample runner's log to {folder}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from stridekit.importing import import_log

    log = import_log(
        args.source,
        args.to,
        privacy_radius_m=args.privacy_radius,
        drop_all_positions=args.drop_positions,
        progress=_Bar("reading"),
    )
    print(f"wrote {len(log.sessions)} sessions to {args.to}")
    print(log.report)
    return 0


def _report(args: argparse.Namespace) -> int:
    from stridekit.html_report import write_report
    from stridekit.io.loader import load_log

    log = load_log(args.log, progress=_Bar("reading"))
    radius = None if args.keep_positions else args.privacy_radius
    out = write_report(
        log, args.out, units=args.units, radius_m=radius, drop_positions=args.drop_positions
    )
    print(f"wrote {out} ({out.stat().st_size / 2**20:.1f} MB): open it in any browser")
    return 0


def _inspect(args: argparse.Namespace) -> int:
    from stridekit.inspection import inspect_file

    results = [inspect_file(path) for path in args.files]
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        for result in results:
            print(f"{result['path']}: {result['format'] or 'unknown format'}, {result['status']}")
            if result["error"]:
                print(f"  {result['error']}")
            for s in result["sessions"]:
                km = f"{s['distance_m'] / 1000:.2f} km" if s["distance_m"] is not None else "-"
                print(
                    f"  {s['start_utc']}  {s['sport']:<8} {km:>10}  {s['samples']} samples, "
                    f"{s['laps']} laps, {s['sets']} sets"
                )
    return 0 if all(r["status"] in ("ok", "partial") for r in results) else 1


def _bounded(unit: str, what: str, most: float) -> Callable[[str], float]:
    """An argparse type: a number above 0 and at most ``most``, in ``unit``."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of {what}") from None
        if not 0 < value <= most:
            raise argparse.ArgumentTypeError(
                f"{text} {unit}: give one above 0 and at most {most:g}"
            )
        return value

    return parse


_positive_mb = _bounded("MB", "megabytes", 2048)


def _kernel_count(text: str) -> int:
    """An argparse type: a whole number of kernels from 1 to 1000."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of kernels") from None
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"{text} kernels: give one from 1 to 1000")
    return value


_radius_m = _bounded("m", "metres", 100_000)


def parser() -> argparse.ArgumentParser:
    """The command line's parser."""
    from stridekit.sample import DEFAULT_SEED, DEFAULT_WEEKS
    from stridekit.serve import DEFAULT_MAX_UPLOAD_MB, DEFAULT_PORT, PUBLIC_MAX_KERNELS

    top = argparse.ArgumentParser(prog="stridekit", description=__doc__)
    top.add_argument("--version", action="version", version=f"stridekit {__version__}")
    sub = top.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the dashboards with Voila on 127.0.0.1")
    serve.add_argument(
        "log", nargs="?", type=Path, help="a log folder or file (default: the bundled sample)"
    )
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help="default %(default)s")
    serve.add_argument(
        "--max-upload-mb",
        type=_positive_mb,
        default=DEFAULT_MAX_UPLOAD_MB,
        metavar="MB",
        help="largest file a visitor may upload, in megabytes (default %(default)s)",
    )
    serve.add_argument(
        "--public",
        action="store_true",
        help="serve to anyone (behind a reverse proxy): the dashboards' pages only, no "
        "tracebacks, no file list, theme and template locked, kernels capped and culled sooner",
    )
    serve.add_argument(
        "--max-kernels",
        type=_kernel_count,
        metavar="N",
        help=f"most pages open at once, one kernel each (default {PUBLIC_MAX_KERNELS} with "
        "--public, else no limit)",
    )
    serve.set_defaults(run=_serve)

    imp = sub.add_parser("import", help="read a log once and store it as Parquet tables")
    imp.add_argument("source", type=Path, help="a file, folder or export")
    imp.add_argument("--to", type=Path, required=True, help="the folder to write")
    privacy = imp.add_mutually_exclusive_group()
    privacy.add_argument(
        "--privacy-radius",
        type=_radius_m,
        metavar="M",
        help="blank positions within M metres of each run's start and end",
    )
    privacy.add_argument("--drop-positions", action="store_true", help="blank every position")
    imp.set_defaults(run=_import)

    rep = sub.add_parser("report", help="write one self-contained HTML file of every chart")
    rep.add_argument("log", type=Path, help="a log folder, file or export")
    rep.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    rep.add_argument("--units", choices=("km", "mi"), default="km", help="default %(default)s")
    hide = rep.add_mutually_exclusive_group()
    hide.add_argument(
        "--privacy-radius",
        type=_radius_m,
        metavar="M",
        default=500.0,
        help="hide positions within M metres of each run's start and end (default %(default)g)",
    )
    hide.add_argument("--drop-positions", action="store_true", help="hide every position")
    hide.add_argument(
        "--keep-positions", action="store_true", help="keep every position (not for sharing)"
    )
    rep.set_defaults(run=_report)

    insp = sub.add_parser("inspect", help="what stridekit makes of each file")
    insp.add_argument("files", nargs="+", help="activity files")
    insp.add_argument("--json", action="store_true", help="print only a JSON list")
    insp.set_defaults(run=_inspect)

    sample = sub.add_parser("sample", help="write the sample runner's log")
    sample.add_argument(
        "--to", type=Path, required=True, help="the folder (or, for strava-zip, .zip) to write"
    )
    length = sample.add_mutually_exclusive_group()
    length.add_argument("--weeks", type=int, help=f"default {DEFAULT_WEEKS}")
    length.add_argument("--years", type=float, help="the length in years instead of weeks")
    sample.add_argument("--seed", type=int, default=DEFAULT_SEED, help="default %(default)s")
    sample.add_argument(
        "--format",
        choices=("fit", "tcx", "strava-zip"),
        default="fit",
        help="runs as .fit.gz (default) or .tcx.gz, or a Strava bulk export zip "
        "(1 s recording) for benchmarks",
    )
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
