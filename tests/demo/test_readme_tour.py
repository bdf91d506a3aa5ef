"""The README's API tour, run as pasted (in order, with bash and curl) against a fresh demo.

Only two things differ from a reader's shell: the demo's port, and the site key, which a
reader pastes from `make demo`'s output and the test takes from `load_demo`'s.
"""

import re
import shutil
import subprocess

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.skipif(
    not (shutil.which("curl") and shutil.which("bash")), reason="the tour needs bash and curl"
)

README = ROOT / "README.md"
# Every curl of the tour in order, with the status the README's comments promise.
EXPECTED_STATUSES = [
    200,  # the thread, newest first
    200,  # the newest comment's id
    200,  # a token for ben
    201,  # his comment, published
    200,  # read back
    201,  # his reply to the newest comment
    200,  # edited within the window
    200,  # an up-vote
    200,  # replies of the newest comment
    200,  # counts
    204,  # the reply deleted
    201,  # budget-2027 registered with the site key
    200,  # the policy
    200,  # dry run: the phone number
    200,  # dry run: the civil comment
]


def tour_blocks() -> list[str]:
    text = README.read_text()
    section = text[text.index("## A tour of the API") :]
    section = section[: section.index("\n## ", 1)]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.S)


def test_the_tour_has_what_the_test_expects():
    script = "\n".join(tour_blocks())
    assert "API=http://127.0.0.1:8000/api/v1" in script
    assert re.search(r"^SITE_KEY=pk_\S+$", script, flags=re.M)
    # No comment id is written into the tour: every id comes from an earlier answer.
    assert not re.search(r"/comments/\d", script)
    assert not re.search(r'"parent": \d', script)


def test_the_readme_tour_runs_as_written(demo, tmp_path):
    script = "\n".join(tour_blocks())
    script = script.replace("http://127.0.0.1:8000", demo.url)
    script = re.sub(r"^SITE_KEY=\S+$", f"SITE_KEY={demo.site_key}", script, flags=re.M)
    statuses = tmp_path / "statuses"
    # Every curl also writes its status code to a file: the tour itself stays as written.
    prelude = (
        "set -eo pipefail\n"
        f"curl() {{ command curl -w '%{{stderr}}%{{http_code}}\\n' \"$@\" 2>>{statuses}; }}\n"
    )
    done = subprocess.run(  # noqa: S603
        ["bash", "-c", prelude + script],  # noqa: S607 - bash from PATH, like a reader's shell
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert [int(s) for s in statuses.read_text().split()] == EXPECTED_STATUSES, done.stdout
    # The dry runs show what the README says they show.
    checks = re.findall(r'\{"action":"(\w+)","clause":(null|\{"id":"[\w-]+")', done.stdout)
    assert checks == [("hold", '{"id":"privacy"'), ("publish", "null")]
