"""hanzipad-train: builds the model bundle the HanziPad app loads.

Reuses :mod:`hanzipad`'s ink rasterizer, image normalizer, label set and bundle
format, so training samples pass through exactly the app's preprocessing.
"""
