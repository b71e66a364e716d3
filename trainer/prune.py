"""Start a narrower ``compact`` network from a wider trained one (``--init-from … --prune``).

A from-scratch run of the narrow network needs a GPU; pruning gets most of the way on a CPU.
Each convolution keeps the output channels that carry the most signal into the next layer and
the next layer keeps the matching input channels (the compact net is a plain chain: no residual
sums tie channels of different layers together). A channel's score is its mean activation after
ReLU on training images times the summed magnitude of the weights that read it (the next
convolution's, or the classifier's for the last one): a channel that is rarely on, or that
nothing downstream listens to, goes first (Molchanov et al. 2017 and Li et al. 2017 in spirit,
without gradients). Afterwards every batch norm's statistics are measured again, in order, on
the same images, since each layer now sees fewer inputs. Fine-tuning recovers the rest.
"""

from __future__ import annotations

import numpy as np

from trainer.sources.base import SourceError

CONV_LAYERS = ("b1", "b2a", "b2b", "b3a", "b3b", "b4a")


def _widths(core) -> list[int]:
    return [int(core.get_layer(f"{n}_conv").kernel.shape[-1]) for n in CONV_LAYERS]


def channel_scores(src, images: np.ndarray) -> list[np.ndarray]:
    """Per conv layer of ``src``: the score of each output channel (see the module doc)."""
    import keras

    outs = [src.get_layer(f"{n}_relu").output for n in CONV_LAYERS]
    probe = keras.Model(src.input, outs)
    acts = probe.predict(images.astype(np.float32), batch_size=128, verbose=0)
    scores = []
    for i, a in enumerate(acts):
        mean_act = np.abs(a).reshape(-1, a.shape[-1]).mean(0)
        if i + 1 < len(CONV_LAYERS):
            k = np.asarray(src.get_layer(f"{CONV_LAYERS[i + 1]}_conv").kernel)  # h w in out
            reads = np.abs(k).sum(axis=(0, 1, 3))
        else:
            reads = np.abs(np.asarray(src.get_layer("probs").kernel)).sum(axis=1)  # in classes
        scores.append(mean_act * reads)
    return scores


def prune_into(src, core, images: np.ndarray) -> list[tuple[int, int]]:
    """Set ``core`` (a compact network, narrower than or as wide as ``src`` in every layer,
    same classes) from ``src``'s strongest channels, then re-measure its batch norms on
    ``images`` (training images, ``[n, 64, 64, 1]`` 0..255). Returns ``(src, core)`` channel
    counts per conv layer. SourceError when ``src`` is not a compact network or is narrower."""
    try:
        theirs, ours = _widths(src), _widths(core)
    except ValueError as exc:
        raise SourceError(f"--prune works on compact networks only ({exc})") from None
    from trainer.model import is_residual

    for net, what in ((src, "the checkpoint"), (core, "this run")):
        if is_residual(net):
            raise SourceError(f"--prune works on compact networks only ({what} is a residual "
                              "network: prune a compact one, then grow it with --arch residual)")
    if any(t < o for t, o in zip(theirs, ours)):
        raise SourceError(f"--prune keeps channels, it cannot add them: the checkpoint has "
                          f"{theirs} channels per layer, this run {ours}")
    dense_src, dense_ours = src.get_layer("probs"), core.get_layer("probs")
    if tuple(dense_src.kernel.shape)[1] != tuple(dense_ours.kernel.shape)[1]:
        raise SourceError(f"the checkpoint has {dense_src.kernel.shape[1]} classes, this run "
                          f"{dense_ours.kernel.shape[1]}")
    keep = [np.sort(np.argsort(-s, kind="stable")[:o]) for s, o in
            zip(channel_scores(src, images), ours)]
    prev = np.arange(1)  # the single grey input channel
    for n, k in zip(CONV_LAYERS, keep):
        (kernel,) = src.get_layer(f"{n}_conv").get_weights()
        core.get_layer(f"{n}_conv").set_weights([kernel[:, :, prev][..., k]])
        core.get_layer(f"{n}_bn").set_weights([w[k] for w in src.get_layer(f"{n}_bn").get_weights()])
        prev = k
    kernel, bias = dense_src.get_weights()
    dense_ours.set_weights([kernel[prev], bias])
    recalibrate_batch_norm(core, images)
    return list(zip(theirs, ours))


def recalibrate_batch_norm(core, images: np.ndarray) -> None:
    """Set each batch norm's moving mean and variance to the statistics of its input on
    ``images``, layer by layer (each measured with the layers before it already set)."""
    import keras

    x = images.astype(np.float32)
    for n in CONV_LAYERS:
        probe = keras.Model(core.input, core.get_layer(f"{n}_conv").output)
        a = probe.predict(x, batch_size=128, verbose=0)
        bn = core.get_layer(f"{n}_bn")
        gamma, beta, _, _ = bn.get_weights()
        flat = a.reshape(-1, a.shape[-1])
        bn.set_weights([gamma, beta, flat.mean(0), flat.var(0)])
