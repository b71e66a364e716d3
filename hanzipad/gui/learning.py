"""The pad learns its writer's hand (issue 36): characters the person confirms go into a
profile (:mod:`hanzipad.adapt`) that is fitted again in the recognition worker's thread, never
on the UI thread; the worker then classifies with it.

What counts as confirmed: a candidate clicked or typed by number (:data:`~hanzipad.adapt.
STRONG`), a committed character picked again (strong; it replaces what was learned from that
ink), and a top candidate committed by writing on (:data:`~hanzipad.adapt.WEAK`: it may be
wrong and unnoticed). The profile lives in the user's data folder (QStandardPaths), and
nothing leaves the machine. One that cannot be read is kept aside (renamed) and the pad starts
a new one, saying so. Edit > "Learn from my handwriting" turns learning (and the use of the
profile) off; "Forget my handwriting" drops it, and "Restore my handwriting" brings it back
until the pad exits.

Words too: the text the person commits is counted in a word list beside the profile
(:mod:`hanzipad.userwords`, ``handwriting-profile.words.json``), which the lexicon mixes into
its ranking, so the words they write most rise. It is kept on the UI thread (where the
ranking runs), saved a while after the last commit and at exit, and follows the same
learn / forget / restore switches.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QObject,
    QStandardPaths,
    QTimer,
    Signal,
    Slot,
)

from hanzipad import adapt, handstyle, userwords
from hanzipad.gui import settings
from hanzipad.gui.files import os_error_text
from hanzipad.gui.i18n import explain, tr
from hanzipad.ink import Ink
from hanzipad.linecli import adapted_scorer

PROFILE_NAME = "handwriting-profile.json"
ENABLED_KEY = "learning/enabled"
#: The profile is written this long after the last character learned (and at exit).
SAVE_DELAY_MS = 3000


def profile_path() -> Path:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(folder or Path.home() / ".local" / "share" / "hanzipad") / PROFILE_NAME


def learning_enabled() -> bool:
    value = settings.settings().value(ENABLED_KEY, True)
    return value not in (False, "false", "0", 0)


def set_learning_enabled(on: bool) -> None:
    settings.settings().setValue(ENABLED_KEY, bool(on))


class HandLearner(QObject):
    """UI-side front; the profile itself is only touched in the worker thread (jobs)."""

    #: (characters in the profile, characters the fitted map used; -1: no adaptation)
    changed = Signal(int, int)
    #: a one-line message about the profile (kept aside, cannot be written…)
    problem = Signal(str)

    def __init__(self, recognition, path: Path | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.recognition = recognition
        self.path = Path(path) if path is not None else profile_path()
        self.enabled = learning_enabled()
        self.count = 0
        self.fitted = -1
        self._lock = threading.Lock()
        self._pending: list[tuple] = []  # (key, ink, label, weight) for the worker
        # worker-thread state
        self._profile: adapt.Profile | None = None
        self._adaptation = None
        self._by_key: dict = {}  # id(key) -> (key: the entry's ink, its Sample), for re-picks
        self._forgotten: list | None = None  # the samples "Forget" dropped (until exit)
        self._dirty = False  # learned since the last save
        self.changed.connect(self._on_changed)
        # the profile is written a while after learning (not after every character: a few
        # MB), in the worker; at exit, after the worker has stopped, from this thread
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self._save_soon)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.flush)

    # ---------------------------------------------------------------- UI thread
    def start(self) -> None:
        """Load (and, for another model, fit again) the profile once the model is in."""
        self.recognition.run_in_worker(self._job_open)

    def learn(self, key, ink: Ink, label: str, weight: float) -> None:
        """Learn ``ink`` as ``label``; the same ``key`` again (a re-pick) replaces it."""
        if not self.enabled or not label or ink is None or ink.is_empty():
            return
        with self._lock:
            self._pending.append((key, ink, label, weight))
        self.recognition.run_in_worker(self._job_fit)
        self._save_timer.start()

    @Slot()
    def _save_soon(self) -> None:
        self.recognition.run_in_worker(self._job_save)

    @Slot()
    def flush(self) -> None:
        """Write what was learned now (at exit: the worker thread has stopped by then)."""
        self._save_timer.stop()
        if self.recognition.is_running():
            self.recognition.run_in_worker(self._job_save)
        else:
            self._save()

    def forget(self) -> None:
        self.recognition.run_in_worker(self._job_forget)

    def restore(self) -> None:
        self.recognition.run_in_worker(self._job_restore)

    def set_enabled(self, on: bool) -> None:
        self.enabled = bool(on)
        set_learning_enabled(on)
        self.recognition.run_in_worker(self._job_open if on else self._job_off)

    @Slot(int, int)
    def _on_changed(self, count: int, fitted: int) -> None:
        self.count, self.fitted = count, fitted

    # ------------------------------------------------------------ worker thread
    def _job_open(self, worker, recognizer) -> None:
        self._save()  # what was learned and not yet written (a new model, learning back on)
        worker.adapted = None
        self._by_key.clear()
        try:
            self._adaptation = adapt.Adaptation.load(recognizer.bundle)
        except adapt.AdaptationError as exc:
            self._adaptation = None
            self.problem.emit(tr("Cannot adapt to your hand: {}").format(explain(exc)))
        if not self.enabled:
            self.changed.emit(0, -1)
            return
        profile = None
        if self.path.exists():
            try:
                profile = adapt.Profile.load(self.path)
            except adapt.ProfileError as exc:
                try:
                    aside = adapt.set_aside(self.path)
                    self.problem.emit(tr("{}; kept aside as {}, starting a new profile").format(
                        explain(exc), aside.name))
                except OSError:
                    self.problem.emit(explain(exc))
        self._profile = profile or adapt.Profile(self.path)
        self._apply(worker, recognizer, refit=not self._profile.usable(self._adaptation))
        self._save()  # fitted again for this model: not again at the next start
        self._job_fit(worker, recognizer)  # what was confirmed before the profile was open

    def _job_fit(self, worker, recognizer) -> None:
        if self._profile is None:
            return  # not open yet: _job_open learns these when it has opened it
        with self._lock:
            pending, self._pending = self._pending, []
        if not pending or not self.enabled:
            return
        for key, ink, label, weight in pending:
            content, sample = self._by_key.get(id(key), (None, None))
            if content is key and any(s is sample for s in self._profile.samples):
                sample.label = label  # a re-pick: that ink was this character
                sample.weight = max(sample.weight, weight)
                continue
            self._profile.add(ink, label, weight)
            self._by_key[id(key)] = (key, self._profile.samples[-1])
        self._dirty = True
        self._apply(worker, recognizer, refit=True)

    def _job_save(self, worker, recognizer) -> None:
        self._save()
        if self._profile is not None and self._profile.merged and self.enabled:
            self._profile.merged = 0  # hanzipad learn added characters meanwhile: use them
            self._apply(worker, recognizer, refit=True)
            self._dirty = True  # (fitted again: written at the next save)

    def _save(self) -> None:
        if not self._dirty or self._profile is None:
            return
        self._dirty = False
        try:
            if len(self._profile) or self.path.exists():
                self._profile.save(self.path)
        except OSError as exc:
            self.problem.emit(tr("Cannot save your handwriting profile {}: {}").format(
                self.path, os_error_text(exc)))

    def _job_forget(self, worker, recognizer) -> None:
        if self._profile is None:
            return
        self._forgotten = list(self._profile.samples)
        self._profile.forget()
        self._by_key.clear()
        self._dirty = True
        self._apply(worker, recognizer, refit=False)
        self._save()

    def _job_restore(self, worker, recognizer) -> None:
        if self._profile is None or not self._forgotten:
            return
        self._profile.samples[:0] = self._forgotten
        self._profile.features = self._profile.features_for = None
        self._forgotten = None
        self._dirty = True
        self._apply(worker, recognizer, refit=True)
        self._save()

    def _job_off(self, worker, recognizer) -> None:
        worker.adapted = None
        self.changed.emit(len(self._profile) if self._profile else 0, -1)

    def _apply(self, worker, recognizer, refit: bool) -> None:
        """Fit (when asked) and install the adapted classifier in the worker; report."""
        profile, ada = self._profile, self._adaptation
        worker.adapted = None
        if ada is not None and recognizer.has_features and len(profile):
            try:
                if refit or not profile.usable(ada):
                    profile.fit(recognizer, ada)
                    self._dirty = True
                worker.adapted = _classifier(recognizer, ada, profile.transform)
            except Exception as exc:  # noqa: BLE001 - the pad goes on without adaptation
                self.problem.emit(tr("Cannot adapt to your hand: {}").format(explain(exc)))
        fitted = profile.transform.samples if worker.adapted is not None else -1
        self.changed.emit(len(profile), fitted)


def _classifier(recognizer, adaptation, transform):
    head = adapt.AdaptedClassifier(adaptation, transform)

    def classify(image, k: int = 10):  # a doubtful character is read again (handstyle)
        return recognizer._top(handstyle.read(recognizer, head, image, k=k), k)

    classify.scorer = adapted_scorer(recognizer, head)  # the line box reads with it too
    return classify


class LearningController(QObject):
    """The window's part of writer adaptation: the :class:`HandLearner`, learning from the
    characters the writing controller reports (:meth:`learn`), Edit's three actions
    (:meth:`set_enabled`, :meth:`forget`, :meth:`restore`) and what the status bar says."""

    #: The status bar's learning label: "adapted to your hand: N characters", or "".
    labelChanged = Signal(str)
    #: A status bar message: (text, milliseconds it stays).
    statusMessage = Signal(str, int)
    #: Whether "Restore my handwriting" can bring something back now.
    restorableChanged = Signal(bool)

    def __init__(self, recognition, parent: QObject | None = None, path: Path | None = None):
        super().__init__(parent)
        self.learner = HandLearner(recognition, path, parent=self)
        self.learner.changed.connect(self._on_changed)
        self.learner.problem.connect(lambda m: self.statusMessage.emit(m, 8000))
        recognition.modelLoaded.connect(lambda _description: self.learner.start())
        #: The writer's word list (:class:`hanzipad.userwords.UserWords`), once loaded.
        self.words: userwords.UserWords | None = None
        self._forgotten_words: userwords.UserWords | None = None
        self._lexicon = None
        self._words_timer = QTimer(self)
        self._words_timer.setSingleShot(True)
        self._words_timer.setInterval(SAVE_DELAY_MS)
        self._words_timer.timeout.connect(self.save_words)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.save_words)

    # ------------------------------------------------------------ words too
    def words_path(self) -> Path:
        return userwords.beside(self.learner.path)

    @Slot(object)
    def attach_words(self, lexicon) -> None:
        """Rank with the writer's words in ``lexicon`` (loaded then, from beside the
        profile; a file that cannot be used is kept aside, saying so)."""
        self._lexicon = lexicon
        if self.words is None:
            self.words = userwords.load_or_new(
                self.words_path(), warn=lambda e: self.statusMessage.emit(explain(e), 8000))
        self._apply_words()

    def _apply_words(self) -> None:
        if self._lexicon is not None:
            self._lexicon.user = self.words if self.enabled else None

    @Slot(str, str)
    def record_words(self, before: str, text: str) -> None:
        """Count ``text``, committed after ``before``, in the writer's words."""
        if self.enabled and self.words is not None:
            self.words.record_next(before, text)
            self._words_timer.start()

    @Slot(str, str, str)
    def correct_words(self, before: str, old: str, new: str) -> None:
        """A character picked again: ``old`` was never meant, ``new`` was."""
        if self.enabled and self.words is not None:
            self.words.record_next(before, old, delta=-1)
            self.words.record_next(before, new)
            self._words_timer.start()

    @Slot()
    def save_words(self) -> None:
        self._words_timer.stop()
        words = self.words
        if words is None or not words.dirty:
            return
        try:
            words.save()
        except OSError as exc:
            self.statusMessage.emit(tr("Cannot save your word list {}: {}").format(
                words.path, os_error_text(exc)), 8000)

    @property
    def enabled(self) -> bool:
        return self.learner.enabled

    @Slot(bool)
    def set_enabled(self, on: bool) -> None:
        self.learner.set_enabled(on)
        self._apply_words()

    @Slot(object, str, object)
    def learn(self, entry, label: str, weight: float) -> None:
        """Learn a confirmed character: ``entry``'s ink (canvas content) is ``label``."""
        content = getattr(entry, "ink", None)
        if content is None or not getattr(content, "strokes", None):
            return  # an opened image, a symbol, a word: no ink to learn from
        size = content.ink_size or (0.0, 0.0)
        self.learner.learn(content, Ink(list(content.strokes), *size), label, weight)

    @Slot()
    def forget(self) -> None:
        self.learner.forget()
        if self.words is not None:
            self._forgotten_words = self.words
            self.words = userwords.UserWords(self.words.path)
            self.words.forget()  # the empty list replaces the file (the old one kept in memory)
            self._apply_words()
            self.save_words()
        self.restorableChanged.emit(True)
        self.statusMessage.emit(tr("Your handwriting is forgotten (Edit > Restore my "
                                   "handwriting brings it back until HanziPad exits)"), 8000)

    @Slot()
    def restore(self) -> None:
        self.learner.restore()
        if self._forgotten_words is not None:
            self.words, self._forgotten_words = self._forgotten_words, None
            self.words.whole = self.words.dirty = True  # it replaces the emptied file
            self._apply_words()
            self.save_words()
        self.restorableChanged.emit(False)

    @Slot(int, int)
    def _on_changed(self, count: int, fitted: int) -> None:
        self.labelChanged.emit(
            tr("adapted to your hand: {} characters").format(count) if fitted >= 0 else "")
