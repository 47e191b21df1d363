"""The `lakmoes` command: argument parsing and one function per subcommand.
The work itself lives in the stages; the exit statuses are `ExitCode`."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from flows.model.errors import ExitCode, InputError, exit_codes_text


def _positive(kind: type) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, not {text}")
        return value

    return parse


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lakmoes",
        description="Document-pipeline ETL with redaction checks for Woo releases.",
        epilog="Exit status (the same for every subcommand where it applies):\n" + exit_codes_text(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="process a release and publish its datasets")
    run.add_argument("paths", nargs="*", type=Path, default=[Path("seeds")], help="files or folders (default: seeds/)")
    run.add_argument("--out", type=Path, default=Path("published"), help="output directory (default: ./published)")
    run.add_argument("--allow-findings", action="store_true",
                     help="publish documents with high-severity findings anyway, marking those findings")
    run.add_argument("--workers", type=_positive(int), default=None, help="worker processes (default: number of cores)")
    run.add_argument("--doc-timeout", type=_positive(float), default=900.0,
                     help="seconds per work unit (a document, or a chunk of a large PDF) before it is quarantined; "
                          "also the limit of the quality step")
    run.add_argument("--full", action="store_true",
                     help="work every input again, ignoring the results kept from earlier runs (and keep the new ones)")
    run.add_argument("--cache", type=Path, default=None,
                     help="folder of the results kept across runs (default: DIR/.cache)")
    run.add_argument("--dask", metavar="ADDRESS",
                     help='send the documents to the Dask cluster at ADDRESS (tcp://host:8786), or "local" for a '
                          "local cluster of --workers processes (needs the dask extra: prefect-dask)")
    run.add_argument("--quiet", action="store_true",
                     help="no progress and no Prefect lines: only quarantined inputs, errors and the closing line")

    serve = sub.add_parser("serve", help="run releases on a schedule with Prefect's serving (and its UI)")
    serve.add_argument("paths", nargs="*", type=Path, default=[Path("seeds")], help="files or folders (default: seeds/)")
    serve.add_argument("--cron", required=True, help='when to run, a cron expression, e.g. "0 6 * * *"')
    serve.add_argument("--out", type=Path, default=Path("published"), help="output directory (default: ./published)")
    serve.add_argument("--allow-findings", action="store_true", help="as for run")
    serve.add_argument("--workers", type=_positive(int), default=None, help="worker processes (default: number of cores)")
    serve.add_argument("--port", type=_positive(int), default=4200,
                       help="port of the local Prefect server and UI, on 127.0.0.1 (default: 4200; "
                            "not used when PREFECT_API_URL names a running server)")

    norm = sub.add_parser("normalise", help="normalise and OCR-correct text; print it")
    norm.add_argument("file", nargs="?", default="-", help="text file, or - for standard input")
    norm.add_argument("--log", type=Path, help="write the corrections as JSON lines to this file")

    red = sub.add_parser("redactions", help="check the redactions of PDF files only")
    red.add_argument("files", nargs="+", type=Path, help="PDF files to check")
    red.add_argument("--json", action="store_true", help="print JSON instead of text")

    rep = sub.add_parser("report", help="summarise the latest release in DIR")
    rep.add_argument("dir", nargs="?", type=Path, default=Path("published"),
                     help="the output directory of `lakmoes run` (default: ./published)")
    return p


def _unwritable(out: Path) -> str | None:
    """Why `out` cannot take a release, or None; checked before any document
    is read, so that a typo in --out does not cost a whole run."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        return e.strerror or type(e).__name__
    return None if os.access(out, os.W_OK | os.X_OK) else "permission denied"


def _no_usage_reports() -> None:
    """Nothing leaves this machine: no usage reports from a local Prefect
    server, nor from Prefect's client (which tries at import). Set before
    Prefect is imported."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")


def cmd_run(args: argparse.Namespace) -> ExitCode:
    # The temporary Prefect server takes ~20 s to start on a cold 2-core
    # machine, Prefect's own limit; it is read when Prefect is imported.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    _no_usage_reports()
    from flows.model import RunOptions
    from flows.run.pool import WorkerPool
    from flows.run.server import running_server, state_dir

    # The server `lakmoes serve` keeps running spares this run the start of
    # a temporary one (seconds); it must be named before Prefect is imported.
    if not os.environ.get("PREFECT_API_URL") and (api := running_server(state_dir() / "prefect")):
        os.environ["PREFECT_API_URL"] = api
    unwritable = _unwritable(args.out)
    if unwritable:
        print(f"lakmoes: cannot write to {args.out}: {unwritable}", file=sys.stderr)
        return ExitCode.FAILED
    options = RunOptions(out=args.out, allow_findings=args.allow_findings, doc_timeout=args.doc_timeout,
                         full=args.full, cache_dir=args.cache, dask=args.dask,
                         **({"workers": args.workers} if args.workers else {}))
    # The pool's quality process starts importing Great Expectations now,
    # while this process imports Prefect (seconds each). A run on Dask
    # needs no pool: the cluster's workers do the work.
    pool = WorkerPool(options) if args.dask is None else None
    failed = True
    try:
        from flows.run.flow import run, summary
        from flows.run.progress import console_filter, make_progress

        # lakmoes shows its own progress; Prefect's lines below a warning (an
        # error when quiet) go to the Prefect API only.
        console_filter(logging.ERROR if args.quiet else logging.WARNING)
        progress = make_progress(args.quiet)
        try:
            outcome = run(list(args.paths), options, pool, progress)
        finally:
            progress.close()
        failed = False
    except Exception as e:
        # The message itself may quote document text: the Prefect log of the
        # run has the full error for whoever may read the documents.
        print(f"lakmoes: run failed, nothing published: {type(e).__name__} (see the Prefect run log)", file=sys.stderr)
        return ExitCode.FAILED
    finally:
        if pool is not None:
            pool.close(now=failed)  # a failed run's queued work must not keep the process alive
    if outcome.ocr_messages and not args.quiet:
        print(f"lakmoes: the OCR engine said: {summary(outcome.ocr_messages)}", file=sys.stderr)
    for rec in outcome.inputs:
        if rec.status == "quarantined":
            print(f"lakmoes: quarantined {rec.path}: {rec.reason}", file=sys.stderr)
    print(outcome.message)
    return outcome.exit_code


def cmd_serve(args: argparse.Namespace) -> ExitCode:
    """Serve the release flow on a schedule until interrupted. Without
    PREFECT_API_URL, a local Prefect server is started for it (database
    under lakmoes' state directory) and stopped on the way out."""
    _no_usage_reports()
    from flows.run.server import local_server, state_dir

    unwritable = _unwritable(args.out)
    if unwritable:
        print(f"lakmoes: cannot write to {args.out}: {unwritable}", file=sys.stderr)
        return ExitCode.FAILED
    api = os.environ.get("PREFECT_API_URL")
    # SIGTERM (a service manager stopping serve) ends it like Ctrl-C, so the server is stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with contextlib.nullcontext(api) if api else local_server(state_dir() / "prefect", args.port) as url:
            os.environ["PREFECT_API_URL"] = url  # before Prefect is imported and reads its settings
            print(f"lakmoes: Prefect UI at {url.removesuffix('/api')}", file=sys.stderr, flush=True)
            from flows.run.serve import serve_release

            serve_release(list(args.paths), args.out, args.cron, args.allow_findings, args.workers or 0)
    except KeyboardInterrupt:
        pass
    except RuntimeError as e:  # the local server did not start
        print(f"lakmoes: {e}", file=sys.stderr)
        return ExitCode.FAILED
    return ExitCode.OK


def cmd_normalise(args: argparse.Namespace) -> ExitCode:
    from flows.stages.correct.corrector import normalise_and_correct
    from flows.stages.ingest import decode_text

    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
        raw, _ = decode_text(data)
    except (OSError, InputError) as e:
        reason = e.reason if isinstance(e, InputError) else e.strerror or type(e).__name__
        print(f"lakmoes: cannot read {args.file}: {reason}", file=sys.stderr)
        return ExitCode.FAILED
    text, corrections = normalise_and_correct(raw)
    sys.stdout.write(text + ("" if text.endswith("\n") else "\n"))
    if args.log:
        try:
            with args.log.open("w", encoding="utf-8") as f:
                for c in corrections:
                    f.write(json.dumps({"start": c.start, "end": c.end, "before": c.before, "after": c.after,
                                        "score": c.score, "margin": c.margin, "reason": c.reason},
                                       ensure_ascii=False) + "\n")
        except OSError as e:
            print(f"lakmoes: cannot write {args.log}: {e.strerror or type(e).__name__}", file=sys.stderr)
            return ExitCode.FAILED
    return ExitCode.OK


def cmd_redactions(args: argparse.Namespace) -> ExitCode:
    from flows.cli.redactions import redactions_command

    return redactions_command(list(args.files), as_json=args.json)


def cmd_report(args: argparse.Namespace) -> ExitCode:
    from flows.release.report import terminal_summary

    try:
        print(terminal_summary(args.dir))
    except FileNotFoundError as e:
        print(f"lakmoes: {e}", file=sys.stderr)
        return ExitCode.FAILED
    except ValueError as e:  # a manifest or quality.json that is not JSON
        print(f"lakmoes: the release in {args.dir} is damaged ({type(e).__name__})", file=sys.stderr)
        return ExitCode.FAILED
    return ExitCode.OK


COMMANDS = {"run": cmd_run, "serve": cmd_serve, "normalise": cmd_normalise, "redactions": cmd_redactions, "report": cmd_report}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return COMMANDS[args.command](args)


def entry() -> NoReturn:
    """The `lakmoes` command. Once a command is done, the exit handlers run
    (Prefect sends its last logs and events and stops its threads) and the
    output is flushed; then the process ends without the interpreter's
    teardown of every module a run imported (Prefect, pandas, pyarrow),
    which took half a second of every run and frees nothing the system
    does not free with the process."""
    code = main()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
