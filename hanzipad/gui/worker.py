"""Recognition off the UI thread.

:class:`RecognitionWorker` lives in a :class:`QThread`; it loads the model bundle
and classifies.  :class:`Recognition` (UI thread) owns the thread and coalesces
requests: it keeps only the newest one *per key* in a mailbox and wakes the worker
once, so while the model is busy, older requests are overwritten instead of
queued.  The writing pad asks under one key (each stroke replaces the last
request); a character committed before its candidates were known asks under a key
of its own, so the next character's strokes never overwrite it.  Every request
carries a generation number; results for an older generation than the newest
request of the same key are dropped.
"""

from __future__ import annotations

import threading
import time

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from hanzipad.gui.i18n import tr
from hanzipad.ink import Ink
from hanzipad.raster import rasterize

#: How many candidates the worker asks for (top-3 shown, top-10 on demand).
TOP_K = 10


class RecognitionWorker(QObject):
    loaded = Signal(str)  # description of the bundle
    loadFailed = Signal(str)  # why the bundle could not be used
    result = Signal(int, object, float)  # generation, [Candidate], milliseconds
    failed = Signal(int, str)  # generation, reason

    def __init__(self, mailbox: _Mailbox):
        super().__init__()
        self._mailbox = mailbox
        self._recognizer = None
        #: ``classify(image, k)`` with the writer's profile (hanzipad.gui.learning), or None
        self.adapted = None
        self._jobs: list = []  # jobs waiting for the model (run_job)

    @Slot(object)
    def load(self, model_path) -> None:
        from hanzipad.recognizer import Recognizer  # the runtime loads in this thread

        self.adapted = None  # a profile is fitted for one model
        try:
            self._recognizer = Recognizer(model_path)
        except Exception as exc:  # noqa: BLE001 - any failure is reported, the app goes on
            self._recognizer = None
            self.loadFailed.emit(str(exc) or type(exc).__name__)
            return
        bundle = self._recognizer.bundle
        name = bundle.meta.get("name") or bundle.path.name
        self.loaded.emit(tr("{} ({} characters)").format(name, bundle.classes))
        self.work()
        jobs, self._jobs = self._jobs, []
        for job in jobs:
            self.run_job(job)

    @Slot(object)
    def run_job(self, job) -> None:
        """Run ``job(worker, recognizer)`` in this thread (writer adaptation's refits); a job
        sent before the model is loaded waits for it."""
        if self._recognizer is None:
            self._jobs.append(job)
            return
        job(self, self._recognizer)

    @Slot()
    def work(self) -> None:
        if self._recognizer is None:
            return  # the requests stay in the mailbox until the model is loaded
        while (item := self._mailbox.take()) is not None:
            self._classify(*item)

    def _classify(self, generation: int, payload) -> None:
        start = time.perf_counter()
        try:
            image = rasterize(payload) if isinstance(payload, Ink) else np.asarray(payload)
            classify = self.adapted or self._recognizer.classify
            candidates = classify(image, TOP_K) if image.any() else []
        except Exception as exc:  # noqa: BLE001
            self.failed.emit(generation, str(exc) or type(exc).__name__)
            return
        self.result.emit(generation, candidates, (time.perf_counter() - start) * 1000.0)


class _Mailbox:
    """The newest request of each key, oldest key first; ``put`` says whether the worker
    must be woken."""

    def __init__(self):
        self._lock = threading.Lock()
        self._items: dict = {}
        self._woken = False

    def put(self, item, key=None) -> bool:
        with self._lock:
            self._items.pop(key, None)  # a newer request of a key goes to the back
            self._items[key] = item
            wake = not self._woken
            self._woken = True
            return wake

    def drop(self, key=None) -> None:
        with self._lock:
            self._items.pop(key, None)

    def take(self):
        """The oldest waiting request, or None (then the next ``put`` wakes the worker)."""
        with self._lock:
            if not self._items:
                self._woken = False
                return None
            key = next(iter(self._items))
            return self._items.pop(key)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class Recognition(QObject):
    """UI-side front of the worker thread."""

    modelLoaded = Signal(str)
    modelFailed = Signal(str)
    #: Fresh candidates for the newest request of a key: (generation, [Candidate], ms).
    candidates = Signal(int, object, float)
    error = Signal(str)
    #: The newest request of a key failed: (generation, reason); :attr:`error` says it too.
    requestFailed = Signal(int, str)

    _load = Signal(object)
    _wake = Signal()
    _job = Signal(object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.generation = 0
        self._newest: dict = {}  # key -> generation of its newest request
        self.ready = False
        self.load_error: str | None = None
        self._mailbox = _Mailbox()
        self._thread = QThread()
        self._thread.setObjectName("hanzipad-recognition")
        self._worker = RecognitionWorker(self._mailbox)
        self._worker.moveToThread(self._thread)
        self._thread.finished.connect(self._worker.deleteLater)
        self._load.connect(self._worker.load)
        self._wake.connect(self._worker.work)
        self._job.connect(self._worker.run_job)
        self._worker.loaded.connect(self._on_loaded)
        self._worker.loadFailed.connect(self._on_load_failed)
        self._worker.result.connect(self._on_result)
        self._worker.failed.connect(self._on_failed)
        self._thread.start()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def load(self, model_path) -> None:
        """Load a bundle (None = the default one) in the worker thread."""
        self.ready = False
        self._load.emit(model_path)

    def request(self, payload: Ink | np.ndarray | None, key=None) -> int:
        """Classify ``payload`` (ink, or a normalized 64x64 image); returns its generation.

        A request replaces the waiting one of the same ``key`` and makes the results of
        that key's earlier requests stale. ``None`` (nothing to classify) only does that.
        """
        self.generation += 1
        self._newest[key] = self.generation
        if payload is None:
            self._mailbox.drop(key)
        elif self._thread.isRunning():
            if self._mailbox.put((self.generation, payload), key):
                self._wake.emit()
        return self.generation

    def run_in_worker(self, job) -> None:
        """Run ``job(worker, recognizer)`` in the worker thread, after the requests waiting
        there (once the model is loaded)."""
        if self._thread.isRunning():
            self._job.emit(job)

    def forget(self, key) -> None:
        """Drop ``key``'s waiting request and results (a one-off key that is done with)."""
        self._mailbox.drop(key)
        self._newest.pop(key, None)

    def is_current(self, generation: int) -> bool:
        return generation in self._newest.values()

    def shutdown(self) -> None:
        """Stop the thread: waits for a classification in progress (milliseconds) to end."""
        if self._thread.isRunning():
            self._mailbox.clear()
            self._thread.quit()
            self._thread.wait()

    def is_running(self) -> bool:
        return self._thread.isRunning()

    @Slot(str)
    def _on_loaded(self, description: str) -> None:
        self.ready, self.load_error = True, None
        self.modelLoaded.emit(description)

    @Slot(str)
    def _on_load_failed(self, message: str) -> None:
        self.ready, self.load_error = False, message
        self.modelFailed.emit(message)

    @Slot(int, object, float)
    def _on_result(self, generation: int, candidates, ms: float) -> None:
        if self.is_current(generation):
            self.candidates.emit(generation, candidates, ms)

    @Slot(int, str)
    def _on_failed(self, generation: int, message: str) -> None:
        if self.is_current(generation):
            self.requestFailed.emit(generation, message)
            self.error.emit(message)
