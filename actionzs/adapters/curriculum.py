"""``curriculum``: cross-domain few-shot learning for videos (CDFSL-V, Samarasinghe et al., ICCV 2023).

Three stages, each resumable from its checkpoints and skipped when its output already exists:

1. ``pretrain``: masked video modelling (VideoMAE, tube masks, pixel reconstruction of the hidden patches) on
   unlabelled source and target clips together.
2. ``curriculum``: a student learns the labelled source classes (cross-entropy on a weak view) while matching,
   on a strong view of each unlabelled target clip, the sharpened predictions of its EMA teacher on a weak
   view; the target term's weight follows a schedule (the paper's arctan by default) from 0 to 1.
3. ``fit``: a logistic-regression head on the frozen target features of the K-shot support set: the adapter.

Stage outputs are Hugging Face folders under ``<out>-stages/<stage>/model``; ``--backbone`` accepts them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..errors import InputError
from ..options import Sampling

STAGES = ("pretrain", "curriculum", "fit")


@dataclass
class StageResult:
    """The backbone the training stages left: its name or folder, and the stages behind its weights."""

    backbone: str  # the trained backbone (a stage output folder) or the name given
    stages: list[str]
    untrained: bool
    ran: list[str]  # stages trained in this run
    skipped: list[str]  # stages whose output already existed


class CurriculumAdapter:
    method = "curriculum"
    class_axes = {"head.weight": 0, "head.bias": 0}

    def __init__(self, encoder, weight: np.ndarray, bias: np.ndarray, config_json: str, logs: dict | None = None):
        self.encoder, self.weight, self.bias = encoder, weight, bias
        self.config_json, self.logs = config_json, logs or {}

    def video_method(self, info, runtime, source: str):
        from ..methods.videomae import VideoMAEMethod

        self.encoder.model.to(runtime.device)
        self.encoder.device, self.encoder.precision = runtime.device, runtime.precision
        return VideoMAEMethod(self.encoder, runtime)

    def scores(self, embeddings: np.ndarray) -> np.ndarray:
        return embeddings @ self.weight.T + self.bias

    def scorer(self, method, adapter):
        return lambda features: self.scores(method.pool(features))

    def state(self) -> dict:
        tensors = {f"backbone.{k}": v.detach().cpu().float().numpy() for k, v in self.encoder.model.state_dict().items()}
        return {**tensors, "head.weight": self.weight.astype(np.float32), "head.bias": self.bias.astype(np.float32)}

    def write_extra(self, folder: Path) -> None:
        (folder / "videomae_config.json").write_text(self.config_json)
        for stage, log in self.logs.items():  # each training stage's log.json and loss.png, kept with the adapter
            for name in ("log.json", "loss.png"):
                if (log / name).is_file():
                    (folder / f"{stage}_{name}").write_bytes((log / name).read_bytes())

    @classmethod
    def from_state(cls, state: dict, directory: Path, info) -> "CurriculumAdapter":
        from transformers import VideoMAEConfig, VideoMAEModel

        from ..models.base import Encoder
        from ..models.videomae import FeatureModel
        from ..video.transforms import PixelSpec

        path = directory / "videomae_config.json"
        try:
            config_json = path.read_text()
            config = VideoMAEConfig.from_dict(json.loads(config_json))
        except (OSError, UnicodeDecodeError, ValueError, TypeError) as exc:
            raise InputError(f"{path}: not a readable VideoMAE configuration ({type(exc).__name__}); the adapter "
                             f"folder is damaged: make it again with `actionzs adapt`") from None
        model = FeatureModel(VideoMAEModel(config))
        model.load_state_dict({k[len("backbone."):]: torch.from_numpy(v) for k, v in state.items()
                               if k.startswith("backbone.")})

        encoder = Encoder(f"adapter:{directory}", info.base_model_key, PixelSpec.from_dict(info.pixel),
                          info.untrained_base, model.eval(), None)
        return cls(encoder, state["head.weight"], state["head.bias"], config_json)

    @classmethod
    def learn(cls, request, support, classes, cache=None, runtime=None, on_step=None, base=None):
        """The stages ``--stage`` asks for, then the fitted head: (Adapter, unreadable support clips)."""
        from ..runtime import Runtime

        runtime = (runtime or Runtime()).resolve()
        done = train_stages(request, runtime, on_step)
        return fit_head(request, done, support, classes, cache, runtime, on_step)


def stage_folder(request, stage: str) -> Path:
    """Where ``stage`` keeps its checkpoints, log and output model."""
    if request.curriculum.work_dir is None:
        raise InputError("the curriculum needs a work folder for its stages (CurriculumOptions.work_dir, --work-dir)")
    return Path(request.curriculum.work_dir) / stage


def train_stages(request, runtime, on_step=None) -> StageResult:
    """Run the training stages of ``--stage`` (``all``: pretrain, then curriculum) in order. A stage whose output
    is the ``--backbone`` given is skipped; one whose output folder exists is reused only when it was made with
    the same backbone, settings, seed and clips (else refused, naming the difference), and ``--restart`` trains
    it anew."""
    from ..console import notice
    from ..models.videomae import load_backbone
    from ..training import cdfsl
    from ..training.identity import read_identity, require_same

    from .support import read_support, read_unlabelled

    opts = request.curriculum
    require_inputs(opts, opts.stage)
    wanted = {"all": ("pretrain", "curriculum"), "fit": ()}.get(opts.stage, (opts.stage,))
    name = opts.backbone
    made = load_backbone(name, "features", frames=opts.frames, size=opts.size)  # a bad name fails before any work
    ran, skipped, domains = [], [], None
    for stage in wanted:
        if stage in made.stages:
            continue
        folder = stage_folder(request, stage)
        output = folder / "model"
        if domains is None:  # read once: the stages' identities and training need them
            source, classes = read_support(opts.source)
            domains = cdfsl.Domains(source.paths, [classes.ids.index(label) for label in source.labels],
                                    len(classes), read_unlabelled(opts.target, "--target-unlabelled"))
        if output.is_dir() and not request.restart:
            require_same(folder, read_identity(folder), cdfsl.stage_identity(stage, name, opts, request.seed, domains),
                         f"{stage} stage output", "add --restart to train it anew, or give another --work-dir")
            notice(f"reusing the {stage} stage in {output} (made with the same settings and clips)")
            skipped.append(stage)
        else:
            cdfsl.run(stage, name, folder, opts, request.seed, domains, runtime, on_step, restart=request.restart)
            ran.append(stage)
        name = str(output)
        made = load_backbone(name, "features")
    return StageResult(name, made.stages, made.untrained, ran, skipped)


def fit_head(request, done: StageResult, support, classes, cache, runtime, on_step):
    """Logistic regression (scikit-learn) on the frozen, pooled features of the support clips."""
    from sklearn.linear_model import LogisticRegression

    from ..methods.videomae import VideoMAEMethod
    from ..models.videomae import feature_encoder, load_backbone
    from .base import Adapter, AdapterInfo, support_embeddings

    opts = request.curriculum
    name = done.backbone
    shape = {"frames": opts.frames, "size": opts.size} if name == opts.backbone else {}  # stage outputs keep theirs
    backbone = load_backbone(name, "features", **shape)
    method = VideoMAEMethod(feature_encoder(backbone, runtime.device), runtime)
    sampling = Sampling(frames=backbone.config.num_frames, clips=request.sampling.clips, crops=request.sampling.crops)
    embeddings, targets, skipped = support_embeddings(method, support, classes, sampling, cache,
                                                      (lambda _: on_step(stage="fit")) if on_step else None)
    head = LogisticRegression(C=opts.regularisation, max_iter=2000, random_state=request.seed).fit(embeddings, targets)
    weight, bias = head.coef_, head.intercept_
    if weight.shape[0] == 1:  # scikit-learn keeps one row for two classes; the adapter scores each class
        weight, bias = np.concatenate([-weight / 2, weight / 2]), np.array([-bias[0] / 2, bias[0] / 2])
    adapter = CurriculumAdapter(method.encoder, weight, bias, backbone.config.to_json_string(),
                                {s: stage_folder(request, s) for s in done.stages if s in STAGES})
    accuracy = float((adapter.scores(embeddings).argmax(1) == targets).mean())
    training = {"stages": done.stages, "backbone": opts.backbone, "schedule": opts.schedule, "shots": request.shots,
                "seed": request.seed, "support_clips": len(targets), "skipped_clips": len(skipped),
                "support_accuracy": accuracy, "regularisation": opts.regularisation}
    info = AdapterInfo("curriculum", str(Path(name).resolve()) if Path(name).is_dir() else name, method.key, backbone.untrained, classes, sampling, None, training,
                       method.encoder.pixel.as_dict())
    return Adapter(info, adapter, base=method, trained=done), skipped


def require_inputs(opts, stage: str) -> None:
    """Each stage's inputs, checked before any model is loaded."""
    if stage in ("all", "pretrain", "curriculum") and opts.source is None:
        raise InputError(f"--stage {stage} trains on labelled source clips: give --source (class folders or a "
                         f"'path label' list)")
    if stage in ("all", "pretrain", "curriculum") and opts.target is None:
        raise InputError(f"--stage {stage} needs unlabelled target clips: give --target-unlabelled (a folder or a list)")
