"""``callqa review``: the review site (``callqa review OUT --out SITE``), coaches' verdicts
(``review mark``) and calibration (``review calibration``)."""

from __future__ import annotations

import click

from qa.cli_audit import calibration, mark
from qa.cli_review_site import build


class _SiteByDefault(click.Group):
    """``callqa review OUT …`` builds the site; ``callqa review mark …`` is a subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["build", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_SiteByDefault)
def review() -> None:
    """Review flagged calls in the browser, and record coaches' verdicts.

    \b
    callqa review /qa/nightly --out site            # build the static site (open site/index.html)
    callqa review mark CALL_ID 3 --verdict disagree --by lin --note "card number was the customer's"
    callqa review calibration --store /qa/nightly   # rules coaches disagree with most
    """


review.add_command(build, "build")
review.add_command(mark)
review.add_command(calibration)
