"""A tiny, randomly initialised but real pyannote.audio speaker-diarization pipeline, for tests.

pyannote's pretrained weights are gated hub downloads that tests cannot reach, so
:func:`build_tiny_pipeline` writes a folder laid out like ``pyannote/speaker-diarization-community-1``
(``config.yaml``, ``segmentation/``, ``embedding/``, ``plda/``) with small random models
(DESIGN §5, "pyannote.audio 4.0.7, verified offline here"). Nothing is committed: the folder is
built at test time in a temp dir in a few seconds, and is the same every time (fixed seed).

The outputs mean nothing acoustically: the pipeline exercises our loading, the waveform hand-off,
turn conversion, RTTM and role mapping, not accuracy. Random segmentation weights can label every
frame as silence, which makes pyannote skip clustering and return no turns; so the final
classifier's bias is set to make the powerset class "speaker 1 alone" dominate (every frame is
speech). Speaker changes then come from clustering the random embeddings across chunks: on
``pyannote-audio/sample.wav`` with 2 speakers the split falls at ~8.7 s (torch 2.11.0, seed 0).
Building takes ~0.1 s once torch and pyannote are imported; the folder is ~15 MB.

Usage::

    folder = build_tiny_pipeline(tmp_path_factory.mktemp("tiny-pipeline"))
    diarize(audio, DiarizeOptions(method="pyannote", pyannote_pipeline=str(folder)))
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

# Telemetry must never be on, not even while building the fixture (DESIGN §5).
os.environ["PYANNOTE_METRICS_ENABLED"] = "0"

SEED = 0
SAMPLE_RATE = 16000
EMBEDDING_DIM = 256  # XVectorSincNet output; PLDA's xvec_transform expects it
PLDA_DIM = 128
# Powerset classes for 3 local speakers, at most 2 at once, in pyannote's order:
# {} {1} {2} {3} {1,2} {1,3} {2,3}. Index 1 is "speaker 1 alone", index 2 "speaker 2 alone".
CLASSIFIER_BIAS = (-4.0, 4.0, 2.5, -4.0, -4.0, -4.0, -4.0)

CONFIG_YAML = """\
# Tiny random pyannote pipeline for callqa's tests (tests/pyannote_fixture.py). Not a real model.
pipeline:
  name: pyannote.audio.pipelines.SpeakerDiarization
  params:
    segmentation: $model/segmentation
    segmentation_step: 0.25  # x 5 s chunks; community-1 uses 0.1, 2.5x the work for nothing here
    segmentation_batch_size: 8
    embedding: $model/embedding
    embedding_batch_size: 8
    embedding_exclude_overlap: true
    plda: $model/plda
    clustering: {clustering}

params:
  segmentation:
    min_duration_off: 0.0
  clustering:
{clustering_params}
"""

CLUSTERING_PARAMS: dict[str, dict[str, Any]] = {
    "VBxClustering": {"threshold": 0.6, "Fa": 0.07, "Fb": 0.8},
    "AgglomerativeClustering": {"method": "centroid", "min_cluster_size": 1, "threshold": 0.7},
}


def _checkpoint(model: Any) -> dict[str, Any]:
    from lightning import __version__ as pl_version  # pyannote.audio's own dependency

    ckpt = {
        "state_dict": model.state_dict(),
        "hyper_parameters": dict(model.hparams),
        "pytorch-lightning_version": pl_version,
    }
    model.on_save_checkpoint(ckpt)
    return ckpt


def build_tiny_pipeline(folder: Path, clustering: str = "VBxClustering") -> Path:
    """Write a complete tiny pipeline into ``folder`` and return ``folder``.

    ``clustering`` is ``VBxClustering`` (community-1's choice) or ``AgglomerativeClustering``.
    """
    import numpy as np
    import torch
    from pyannote.audio.core.task import Problem, Resolution, Specifications
    from pyannote.audio.models.embedding import XVectorSincNet
    from pyannote.audio.models.segmentation import PyanNet

    if clustering not in CLUSTERING_PARAMS:
        raise ValueError(f"clustering must be one of {sorted(CLUSTERING_PARAMS)}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(SEED)

    segmentation = PyanNet(
        sample_rate=SAMPLE_RATE,
        lstm={"hidden_size": 32, "num_layers": 1},
        linear={"hidden_size": 32, "num_layers": 1},
    )
    segmentation.specifications = Specifications(
        problem=Problem.MONO_LABEL_CLASSIFICATION,
        resolution=Resolution.FRAME,
        duration=5.0,
        classes=["speaker#1", "speaker#2", "speaker#3"],
        powerset_max_classes=2,
        permutation_invariant=True,
    )
    segmentation.build()
    classifier = segmentation.classifier  # the last Linear before LogSoftmax: 32 -> 7 powerset classes
    assert classifier.out_features == len(CLASSIFIER_BIAS), classifier
    with torch.no_grad():
        classifier.bias.copy_(torch.tensor(CLASSIFIER_BIAS))

    embedding = XVectorSincNet(sample_rate=SAMPLE_RATE, dimension=EMBEDDING_DIM)
    embedding.specifications = Specifications(problem=Problem.REPRESENTATION, resolution=Resolution.CHUNK, duration=3.0)

    # "$model/<name>" folders, like community-1; neutral names so pyannote's substring routing
    # ("wespeaker", "speechbrain", "nvidia") never applies.
    for name, model in (("segmentation", segmentation), ("embedding", embedding)):
        (folder / name).mkdir(exist_ok=True)
        torch.save(_checkpoint(model), folder / name / "pytorch_model.bin")

    rng = np.random.default_rng(SEED)
    plda = folder / "plda"
    plda.mkdir(exist_ok=True)
    lda, _ = np.linalg.qr(rng.standard_normal((EMBEDDING_DIM, EMBEDDING_DIM)))
    np.savez(
        plda / "xvec_transform.npz",
        mean1=np.zeros(EMBEDDING_DIM),
        mean2=np.zeros(PLDA_DIM),
        lda=lda[:, :PLDA_DIM],
    )
    tr, _ = np.linalg.qr(rng.standard_normal((PLDA_DIM, PLDA_DIM)))  # orthogonal: invertible
    np.savez(
        plda / "plda.npz",
        mu=np.zeros(PLDA_DIM),
        tr=tr,
        psi=np.linspace(2.0, 0.5, PLDA_DIM),
    )

    params = "\n".join(f"    {k}: {v}" for k, v in CLUSTERING_PARAMS[clustering].items())
    (folder / "config.yaml").write_text(
        CONFIG_YAML.format(clustering=clustering, clustering_params=params), encoding="utf-8"
    )
    return folder
