"""Background scoring: worker threads that take jobs from the ledger's queue.

Each worker claims the oldest queued submission, unpacks it into a scratch folder,
runs it with the scorer's limited child process (:func:`run_submission`) on the hidden
test set, computes the metrics and records the outcome. Scoring never happens in a web
request. The number of workers is bounded by the machine's cores (each child process
uses one core). A heartbeat thread keeps the claims of running jobs fresh, so a server
that dies leaves jobs another server (or this one, restarted) queues again.
"""

import logging
import shutil
import tempfile
import threading
from pathlib import Path

import numpy as np

from dlcourse.katakana.launcher import run_submission
from dlcourse.katakana.refusal import ScoringRefused
from dlcourse.katakana.scoring import NUM_CLASSES, evaluate
from dlcourse.katakana.users import get_account
from dlcourse.katakana.web import notify, queue
from dlcourse.katakana.web.uploads import UploadRejected, validate

__all__ = ["WorkerPool"]

LOG = logging.getLogger("dlcourse.katakana.web")


class WorkerPool:
    """``settings.workers`` scoring threads plus one heartbeat thread."""

    def __init__(self, engine, settings):
        self.engine, self.settings = engine, settings
        self.stop_event, self.wake = threading.Event(), threading.Event()
        self.active = {}
        self.lock = threading.Lock()
        self.threads = []
        self._test_set = None

    def start(self):
        requeued = queue.requeue_abandoned(self.engine, self.settings.server_id,
                                           self.settings.lease)
        if requeued:
            LOG.warning("queued again %d submissions left running by an earlier run", requeued)
        for number in range(self.settings.workers):
            self.threads.append(threading.Thread(target=self._work, name=f"scorer-{number}",
                                                 daemon=True))
        self.threads.append(threading.Thread(target=self._beat, name="heartbeat", daemon=True))
        for thread in self.threads:
            thread.start()

    def stop(self, timeout=5):
        """Stop taking jobs; jobs still running are queued again for the next start."""
        self.stop_event.set()
        self.wake.set()
        for thread in self.threads:
            thread.join(timeout)
        queue.requeue_abandoned(self.engine, self.settings.server_id, self.settings.lease)

    def notify_new_job(self):
        self.wake.set()

    def test_set(self):
        with self.lock:
            if self._test_set is None:
                with np.load(self.settings.test_set, allow_pickle=False) as data:
                    self._test_set = (data["x"], data["t"])
            return self._test_set

    def _work(self):
        while not self.stop_event.is_set():
            try:
                claimed = queue.claim(self.engine, self.settings.server_id)
            except Exception:  # noqa: BLE001  (a ledger hiccup must not end the worker)
                LOG.exception("could not claim a job")
                claimed = None
            if claimed is None:
                self.wake.wait(self.settings.poll_seconds)
                self.wake.clear()
                continue
            job, data = claimed
            with self.lock:
                self.active[job["id"]] = job
            try:
                self._score(job, data)
            finally:
                with self.lock:
                    self.active.pop(job["id"], None)

    def _beat(self):
        interval = self.settings.lease.total_seconds() / 4
        while not self.stop_event.wait(interval):
            with self.lock:
                jobs = list(self.active.values())
            try:
                for job in jobs:
                    queue.heartbeat(self.engine, job)
                # jobs of another server sharing the ledger that stopped beating
                if queue.requeue_abandoned(self.engine, None, self.settings.lease):
                    self.wake.set()
            except Exception:  # noqa: BLE001  (a ledger hiccup must not stop the beat)
                LOG.exception("heartbeat failed")

    def _score(self, job, data):
        scratch = Path(tempfile.mkdtemp(prefix=f"katakana-{job['id']}-"))
        outcome = {}
        try:
            outcome = self._run(job, data, scratch / "files")
        except Exception as exc:  # noqa: BLE001  (the server's fault: recorded, not counted)
            LOG.exception("scoring submission %s failed", job["id"])
            outcome = dict(status="error", failure_kind="server",
                           failure_message=f"{type(exc).__name__}: {exc}")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        if queue.finish(self.engine, job, **outcome):
            self._mail(job["id"])
        else:
            LOG.warning("submission %s was taken away while being scored", job["id"])

    def _run(self, job, data, folder):
        """The outcome of one scoring run as keyword arguments of :func:`queue.finish`."""
        try:
            root, _ = validate(data, folder, self.settings.limits)
            images, labels = self.test_set()
            probs = run_submission(root, images, self.settings.time_limit,
                                   self.settings.memory_limit)
            if probs.shape != (len(labels), NUM_CLASSES):
                raise ScoringRefused("wrong shape", f"got {probs.shape} predictions for "
                                     f"{len(labels)} images")
        except (ScoringRefused, UploadRejected) as exc:
            return dict(status="failed", failure_kind=exc.kind, failure_message=str(exc))
        return dict(status="scored", metrics=evaluate(probs, labels))

    def _mail(self, submission_id):
        smtp = self.settings.smtp
        job = queue.submission(self.engine, submission_id)
        account = get_account(self.engine, job["account"])
        if not smtp.host or not account["email"]:
            return
        message = notify.result_mail(job, account["email"], self.settings.base_url)
        queue.set_email_status(self.engine, submission_id, notify.send(smtp, message))
