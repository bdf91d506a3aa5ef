"""Fixtures for the importers: the files under fixtures/ and a site to import into."""

from pathlib import Path

import pytest

from portability.formats import reader_for
from portability.services import ImportSummary, comments_import
from tests.factories import SiteFactory

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def target(db):
    return SiteFactory(slug="target", max_depth=4)


def run_import(site, fmt: str, path: Path, **options) -> ImportSummary:
    reader_options = {k: options.pop(k) for k in ("base_url", "local_tz") if k in options}
    reader = reader_for(fmt, path, **reader_options)
    return comments_import(
        site=site, reader=reader, file_name=path.name, file_sha256="0" * 64, **options
    )
