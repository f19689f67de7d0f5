"""Frames per second of an UNTRAINED ViT-B/32 (random weights of the real shape) in fp32 and bf16, under
``torch.no_grad`` and ``torch.inference_mode``, then through actionzs' own encoder.

    python benchmarks/precision.py [--device cpu|cuda] [--batch 32] [--out FILE]

Why it exists: on this AMX CPU, bf16 autocast ran about 4x faster than fp32 under ``no_grad`` but about 1.5x
slower under ``inference_mode``, which the encoders used; ``--precision auto`` (bf16 here) was then slower than
fp32. The encoders now run under ``no_grad``; this keeps the figures that show why.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]


def rate(call, frames: torch.Tensor, repeats: int = 3) -> float:
    call(frames)  # warm-up: oneDNN plans, weight casts
    start = time.perf_counter()
    for _ in range(repeats):
        call(frames)
    return round(repeats * len(frames) / (time.perf_counter() - start), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    import open_clip
    from safetensors.torch import save_file

    from actionzs.methods.clip_zeroshot import ClipMethod
    from actionzs.runtime import Runtime, autocast, cpu_has_amx

    torch.manual_seed(0)
    model = open_clip.create_model("ViT-B-32").eval().to(args.device)  # UNTRAINED: random weights, real shape
    frames = torch.randn(args.batch, 3, 224, 224, device=args.device)
    precisions = ["fp32", "bf16"] + (["fp16"] if args.device.startswith("cuda") else [])
    raw = {}
    for mode in (torch.no_grad, torch.inference_mode):
        for precision in precisions:
            def call(x, precision=precision, mode=mode):
                with mode(), autocast(args.device, precision):
                    return model.visual(x)
            raw[f"{mode.__name__} {precision}"] = rate(call, frames)
            print(mode.__name__, precision, raw[f"{mode.__name__} {precision}"], "frames/s", flush=True)
    product = {}
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint = Path(tmp) / "vit-b-32-random.safetensors"
        save_file(model.state_dict(), str(checkpoint))
        reference = None
        for precision in precisions:
            method = ClipMethod.load(f"ViT-B-32:{checkpoint}", Runtime(args.device, precision, args.batch, workers=0))
            out = method.encoder.encode_images(frames.cpu())
            reference = out if reference is None else reference
            cosine = torch.nn.functional.cosine_similarity(out, reference).min().item()
            product[precision] = {"frames_per_s": rate(method.encoder.encode_images, frames.cpu()),
                                  "min_cosine_to_fp32": round(cosine, 5)}
            print("actionzs encoder", precision, json.dumps(product[precision]), flush=True)
    result = {"command": "python benchmarks/precision.py", "machine": {
        "platform": platform.platform(), "processor": platform.processor(), "amx": cpu_has_amx(),
        "torch": torch.__version__, "threads": torch.get_num_threads(), "device": args.device,
        "gpu": torch.cuda.get_device_name(args.device) if args.device.startswith("cuda") else None},
        "batch": args.batch, "open_clip_visual": raw, "actionzs_encoder": product,
        "bf16_over_fp32": round(product["bf16"]["frames_per_s"] / product["fp32"]["frames_per_s"], 2)}
    out = args.out or REPO / "benchmarks" / "results" / f"precision_{args.device.split(':')[0]}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"bf16 / fp32 through actionzs: {result['bf16_over_fp32']}x; wrote {out}")


if __name__ == "__main__":
    main()
