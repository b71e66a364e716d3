"""``pngdir:PATH`` — the article's layout: one folder per class holding image files.

A class folder is named by the class index (``00012``, an index into the label map) or by
the character itself (``啊``).  Images are read with :func:`hanzipad.normalize.load_image`,
the app's own image path; unreadable, corrupt or blank images are skipped and counted.

Shards are partitions ``part-K-of-N`` of the sorted file list (every N-th file), so each
shard mixes all classes; the list is walked again for each shard instead of being kept.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path

from hanzipad.normalize import ImageError, is_image_path, load_image
from trainer.sources.base import Source, SourceError, parse_partition, partition_ids

#: Target number of files per shard (at most MAX_SHARDS shards).
FILES_PER_SHARD = 2000
MAX_SHARDS = 256


class PngDirSource(Source):
    kind = "pngdir"

    def _files(self) -> Iterator[Path]:
        for root, dirs, files in os.walk(self.path):
            dirs.sort()
            for name in sorted(files):
                if is_image_path(name):
                    yield Path(root) / name

    def shards(self) -> list[str]:
        if not self.path.is_dir():
            what = "no such folder" if not self.path.exists() else "not a folder"
            raise SourceError(f"{self.spec}: {self.path}: {what} (pngdir needs a folder of class folders)")
        count = sum(1 for _ in self._files())
        if count == 0:
            raise SourceError(f"{self.spec}: no image files under {self.path}")
        return partition_ids(min(MAX_SHARDS, max(1, math.ceil(count / FILES_PER_SHARD))))

    def class_char(self, folder: str) -> str | None:
        """The character of a class folder name (index or character); None when neither."""
        if folder.isdigit():
            return self.index_to_char.get(int(folder))
        return folder if len(folder) == 1 else None

    def iter_shard(self, shard: str, seed: int = 0):
        k, n = parse_partition(shard, self.spec)
        for i, file in enumerate(self._files()):
            if i % n != k:
                continue
            folder = file.parent.name
            char = self.class_char(folder)
            if char is None:
                self.stats.note(
                    "out_of_labels",
                    f"{file}: folder name {folder!r} is neither a class index nor a character of the label set",
                )
                continue
            label = self.label_of(char, str(file))
            if label is None:
                continue
            try:
                img = load_image(file)
            except ImageError as exc:
                # a file that cannot be read (permission denied) is missing, not corrupt
                unreadable = "cannot be read" in str(exc) or "no such file" in str(exc)
                self.stats.note("missing" if unreadable else "corrupt", str(exc))
                continue
            if not img.any():
                self.stats.note("corrupt", f"{file}: blank image (no ink)")
                continue
            self.stats.add_yielded()
            yield img, label

    def _describe_extra(self) -> dict:
        return {"format": "folder per class of images"}
