"""The `lakmoes` command.

Exit status (the same for every subcommand where it applies):
  0  every input was published (redactions: no high-severity finding)
  1  the run failed; no new release is visible and `latest` is unchanged
     (redactions: a file could not be read; report: no release in DIR;
     normalise: the file cannot be read or the log written)
  2  usage error
  3  the run completed, but inputs were quarantined or held back (personal
     data or text under a box; redactions: a high-severity finding)
  4  the quality gate stopped the release; it is set aside under DIR/failed/
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flows.exit_codes import FAILED, OK


def _positive(kind: type) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, not {text}")
        return value

    return parse


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lakmoes", description=__doc__.split("\n\n")[0],
                                epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
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


def cmd_run(args: argparse.Namespace) -> int:
    # The temporary Prefect server takes ~20 s to start on a cold 2-core
    # machine, Prefect's own limit; it is read when Prefect is imported.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    # Nothing leaves this machine: no usage reports from the local server.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from flows.pipeline import RunOptions
    from flows.release_flow import run

    unwritable = _unwritable(args.out)
    if unwritable:
        print(f"lakmoes: cannot write to {args.out}: {unwritable}", file=sys.stderr)
        return FAILED
    options = RunOptions(out=args.out, allow_findings=args.allow_findings, doc_timeout=args.doc_timeout,
                         **({"workers": args.workers} if args.workers else {}))
    try:
        outcome = run(list(args.paths), options)
    except Exception as e:  # noqa: BLE001 - report, then exit with the documented status
        # The message itself may quote document text: the Prefect log of the
        # run has the full error for whoever may read the documents.
        print(f"lakmoes: run failed, nothing published: {type(e).__name__} (see the Prefect run log)", file=sys.stderr)
        return FAILED
    for rec in outcome.inputs:
        if rec.status == "quarantined":
            print(f"lakmoes: quarantined {rec.path}: {rec.reason}", file=sys.stderr)
    print(outcome.message)
    return outcome.exit_code


def cmd_normalise(args: argparse.Namespace) -> int:
    from flows.correct import normalise_and_correct
    from flows.ingest import InputError, decode_text

    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
        raw, _ = decode_text(data)
    except (OSError, InputError) as e:
        print(f"lakmoes: cannot read {args.file}: {getattr(e, 'reason', None) or e.strerror}", file=sys.stderr)
        return FAILED
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
            return FAILED
    return OK


def cmd_redactions(args: argparse.Namespace) -> int:
    from checks.boxes import redactions_command

    return redactions_command(list(args.files), as_json=args.json)


def cmd_report(args: argparse.Namespace) -> int:
    from flows.report import terminal_summary

    try:
        print(terminal_summary(args.dir))
    except FileNotFoundError as e:
        print(f"lakmoes: {e}", file=sys.stderr)
        return FAILED
    except ValueError as e:  # a manifest or quality.json that is not JSON
        print(f"lakmoes: the release in {args.dir} is damaged ({type(e).__name__})", file=sys.stderr)
        return FAILED
    return OK


COMMANDS = {"run": cmd_run, "normalise": cmd_normalise, "redactions": cmd_redactions, "report": cmd_report}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return COMMANDS[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
