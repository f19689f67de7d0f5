"""Where and how models run: the device, the numeric precision, frames per encoder call, decoding processes and
the decoder library.

``Runtime`` is what a caller asks for (``auto`` allowed; a field left None takes the value configured in the
config file or the environment, else the built-in one: ``user_config``); ``resolve()`` turns it into what this
machine really has, or fails in one line before any work. ``auto`` precision never picks one slower than fp32: on GPUs half
precision is faster; on CPUs with AMX tiles bf16 is 3.2x fp32 (benchmarks/precision.py, encoders under
``no_grad``: ``inference_mode`` makes CPU bf16 autocast slow). CPUs without AMX stay in fp32: the 0.60-0.65x
measured there by benchmarks/throughput.py was under ``inference_mode`` and awaits a new measurement.

Decoding workers start clean: never forked from a process whose FFmpeg decoder threads (or CUDA context) are
alive, a known way to deadlock a child. Linux and macOS use a fork server (one clean process, started on first
use with torch and PyAV imported, that forks the workers cheaply), Windows spawns. On a CPU the model needs the
cores, so decoding gets the spare ones (at most ``CPU_MAX_WORKERS``); on a GPU the cores have nothing else to
do, so decoding gets all but one (at most ``GPU_MAX_WORKERS``).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from dataclasses import asdict, dataclass, replace

from .defaults import BATCH_SIZE
from .errors import InputError
from .launch import launched_processes, local_processes, local_rank

DEVICES = ("auto", "cpu", "cuda", "mps")  # cuda may carry an index: cuda:1
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
DECODERS = ("auto", "pyav", "decord", "torchcodec")  # auto: decord, else torchcodec where they read the file, else PyAV
CPU_MAX_WORKERS = 4
GPU_MAX_WORKERS = 32  # past this, the workers' prefetched pixels cost more memory than they win in speed
WORKER_PRELOAD = ["actionzs.features"]  # imported once in the fork server, not in every worker


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def default_workers(device: str = "cpu") -> int:
    """Decoding processes beside the one running the model: one per spare core of this process's share of the
    machine (a launch of N processes on a machine gives each 1/N of its cores), none on one core; at most
    ``CPU_MAX_WORKERS`` when the model runs on the CPU, ``GPU_MAX_WORKERS`` on a GPU."""
    cap = CPU_MAX_WORKERS if device == "cpu" else GPU_MAX_WORKERS
    return max(0, min(cap, cores() // local_processes() - 1))


def worker_context():
    """The multiprocessing context that decoding workers start in: a fork server where there is one, else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(WORKER_PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class Runtime:
    device: str | None = None  # None: as configured, else auto
    precision: str | None = None  # None: as configured, else auto
    batch_size: int | None = None  # frames per encoder call; None: as configured, else BATCH_SIZE[device kind]
    workers: int | None = None  # None: as configured, else default_workers(device)
    decoder: str = "auto"  # auto, pyav, decord or torchcodec
    decode_device: str = "cpu"  # cpu, or cuda[:N]: torchcodec decodes there with NVDEC

    def __post_init__(self):
        if self.precision is not None and self.precision not in PRECISIONS:
            raise InputError(f"--precision: expected one of {', '.join(PRECISIONS)}, got {self.precision!r}")
        if self.batch_size is not None and self.batch_size < 1:
            raise InputError(f"--batch-size: must be at least 1, got {self.batch_size}")
        if self.workers is not None and self.workers < 0:
            raise InputError(f"--workers: must be 0 or more, got {self.workers}")
        if self.decoder not in DECODERS:
            raise InputError(f"--decoder: expected one of {', '.join(DECODERS)}, got {self.decoder!r}")
        if self.decode_device != "cpu" and (not self.decode_device.startswith("cuda")
                                            or self.decoder not in ("auto", "torchcodec")):
            raise InputError(f"--decode-device {self.decode_device}: GPU decoding is torchcodec's (NVDEC): use "
                             f"--decode-device cuda[:N] with --decoder torchcodec or auto")

    def resolve(self) -> "Runtime":
        """The concrete device, precision and worker count on this machine; one-line InputError when absent."""
        from .user_config import load_user_config, sources

        config = load_user_config()  # the file and the environment fill what the caller left None
        try:
            device = resolve_device(self.device or config.device or "auto")
        except InputError as exc:
            if self.device is None and config.device is not None:  # say where the unusable value was set
                raise InputError(f"{exc} (set by {sources(config)['device']})") from None
            raise
        precision = resolve_precision(self.precision or config.precision or "auto", device)
        workers = next((w for w in (self.workers, config.workers) if w is not None), None)
        workers = default_workers(device) if workers is None else workers
        batch_size = self.batch_size or config.batch_size or BATCH_SIZE["cpu" if device == "cpu" else "gpu"]
        try:
            decode_device = "cpu" if self.decode_device == "cpu" else resolve_device(self.decode_device)
        except InputError as exc:
            raise InputError(str(exc).replace("--device", "--decode-device", 1)) from None
        if decode_device != "cpu":
            import importlib.util

            if importlib.util.find_spec("torchcodec") is None:
                raise InputError("--decode-device: GPU decoding needs torchcodec and the FFmpeg libraries "
                                 "(pip install 'actionzs[torchcodec]')")
        return replace(self, device=device, precision=precision, batch_size=batch_size, workers=workers,
                       decoder="torchcodec" if decode_device != "cpu" else self.decoder, decode_device=decode_device)

    def as_dict(self) -> dict:
        """What reports record; under a launcher also how many processes ran and the device of each."""
        out = asdict(self)
        if launched_processes() > 1:
            from .launch import current

            launch = current()
            out.update(processes=launch.processes, devices=launch.devices(self.device))
        return out

    def start_workers(self, videos: int | None = None) -> None:
        """Start the clean worker server now (when there will be workers), so that its start-up (importing torch
        and PyAV, about 2.5 s on 2 cores: benchmarks/worker_start.py) overlaps with loading the model. ``videos``:
        how many will be decoded, where known; one is decoded in this process (``features.decoded``), so it
        starts no server, nor does a job that decodes none."""
        if videos is not None and videos < 2:
            return
        if self.workers and "forkserver" in multiprocessing.get_all_start_methods():
            from multiprocessing import forkserver

            worker_context()
            forkserver.ensure_running()


def resolve_device(name: str) -> str:
    import torch

    name = (name or "auto").strip().lower()
    if name == "auto":
        if torch.cuda.is_available():
            return f"cuda:{local_rank() % torch.cuda.device_count()}"  # under a launcher: this process's GPU
        return "mps" if _mps_available() else "cpu"
    kind, _, index = name.partition(":")
    if kind not in DEVICES or (index and (kind != "cuda" or not index.isdigit())):
        raise InputError(f"--device: expected auto, cpu, cuda, cuda:N or mps, got {name!r}")
    if kind == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        wanted = int(index) if index else local_rank() % max(count, 1)  # plain "cuda": this process's GPU
        if wanted >= count:
            have = f"{count} CUDA device{'s' if count != 1 else ''}" if count else "no CUDA device"
            raise InputError(f"--device {name}: not present (this machine has {have}); use --device auto or cpu")
        return f"cuda:{wanted}"
    if kind == "mps" and not _mps_available():
        raise InputError("--device mps: not present (needs Apple silicon and a torch built with MPS)")
    return kind


def _mps_available() -> bool:
    import torch

    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def resolve_precision(precision: str, device: str) -> str:
    import torch

    kind = device.split(":")[0]
    if precision == "auto":
        if kind == "cuda":
            return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        if kind == "mps":
            return "fp16"
        return "bf16" if cpu_has_amx() else "fp32"
    if precision == "fp16" and kind == "cpu":
        raise InputError("--precision fp16: CPUs have no fast fp16; use fp32 (or bf16 on a CPU with bf16 support)")
    if precision == "bf16" and kind == "cuda" and not torch.cuda.is_bf16_supported():
        raise InputError(f"--precision bf16: {torch.cuda.get_device_name(device)} cannot do bf16; use fp16")
    if precision == "bf16" and kind == "cpu" and not torch.ops.mkldnn._is_mkldnn_bf16_supported():
        raise InputError("--precision bf16: this CPU has no bf16 instructions; use fp32")
    return precision


def cpu_has_amx() -> bool:
    """AMX tiles with bf16 (Sapphire Rapids and later), the only CPUs where bf16 beats fp32 for ViTs."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="ignore") as fh:
            return "amx_bf16" in fh.read()
    except OSError:
        return False


def autocast(device: str, precision: str):
    """The autocast context for a precision (a no-op for fp32)."""
    import torch

    if precision == "fp32":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return torch.autocast(device.split(":")[0], dtype=dtype)
