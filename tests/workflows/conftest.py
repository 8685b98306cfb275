"""What every workflow test runs on: a data directory, its event log, the activities on
them, and the workers `ccm worker` runs (the production factory: every workflow, the
signature interceptor, the letters' queue), on the test's own task queue."""

from __future__ import annotations

import concurrent.futures

import pytest

from activities.database import open_event_log
from activities.letters import Letterhead, Mailbox
from activities.records import CcmActivities
from tests.letters import write_contacts
from tests.workers import Worker


@pytest.fixture
def home(tmp_path):
    return tmp_path


@pytest.fixture
def log(home):
    return open_event_log(f"sqlite:///{home / 'eventlog.db'}")


@pytest.fixture
def acts(home, log):
    # The President signs the President's letters: a stand-in holder, as the settings name one.
    head = Letterhead(president_name="Michael Biontino", director_name="Sheila Mweemba")
    return CcmActivities(log, Mailbox(home, "isu@example.org"), write_contacts(home / "contacts.csv"), letterhead=head)


@pytest.fixture
async def worker(time_skipping_env, task_queue, acts):
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        async with Worker(time_skipping_env.client, task_queue=task_queue, activities=acts, activity_executor=pool):
            yield
