"""The exit statuses of the `lakmoes` command, in one place: the CLI returns
them and the release flow chooses among them (README: Exit status)."""

OK = 0  # every input was published (for `redactions`: no high-severity finding)
FAILED = 1  # the run failed; no new release is visible and `latest` is unchanged
USAGE = 2  # bad arguments (argparse exits with it)
QUARANTINED = 3  # inputs were quarantined or held back (`redactions`: a high-severity finding)
QUALITY = 4  # the quality gate stopped the release; it is set aside under DIR/failed/
