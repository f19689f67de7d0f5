"""The Gradio page of ``actionzs app``: inputs on the left, ranked labels, a bar chart, the timeline of long
videos and the JSON download on the right. Every job goes through ``jobs.Session``; every bad input is one
message on the page (``gr.Error``), and the app keeps serving."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported: no request leaves the machine

import gradio as gr  # noqa: E402

from ..defaults import METHOD, TOP_K  # noqa: E402
from ..errors import ActionzsError  # noqa: E402
from ..models.tiny import UNTRAINED_WARNING  # noqa: E402
from ..options import Sampling  # noqa: E402
from ..runtime import Runtime  # noqa: E402
from .jobs import BUILTIN_SETS, CUSTOM, Session, labels_from, request_from  # noqa: E402

SAMPLING = Sampling()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "clips"  # in a source checkout (make_clips.py draws them)


def _chart(rows: list[list]):
    """One horizontal bar chart per video of its ranked labels (matplotlib, as the CLI's report plots)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    videos = list(dict.fromkeys(r[0] for r in rows))
    fig, axes = plt.subplots(len(videos), 1, figsize=(7, 0.45 * len(rows) + 0.9 * len(videos)), squeeze=False)
    for ax, video in zip(axes[:, 0], videos):
        mine = [r for r in rows if r[0] == video][::-1]
        ax.barh([r[2] for r in mine], [r[3] for r in mine], color="#4c72b0")
        ax.set_title(video, fontsize=10, loc="left")
        ax.tick_params(labelsize=9)
    fig.tight_layout()
    return fig


def build(session: Session, methods: list[str], default_model: str | None, devices: list[str]) -> gr.Blocks:
    """The page, wired to ``session``."""
    with gr.Blocks(title="actionzs", analytics_enabled=False) as page:
        gr.Markdown("# actionzs\nRank actions in your videos, zero-shot (CLIP, X-CLIP, captions) or with an adapter "
                    "made by `actionzs adapt`. The same results as `actionzs predict` with the same settings.")
        with gr.Row():
            with gr.Column(scale=1):
                videos = gr.File(label="Videos", file_count="multiple", file_types=["video"], elem_id="videos")
                if EXAMPLES.is_dir() and any(EXAMPLES.iterdir()):
                    gr.Examples([[[str(p)]] for p in sorted(EXAMPLES.glob("*.mp4"))], inputs=[videos],
                                label="Examples (drawn stick figures)")
                label_set = gr.Dropdown([*BUILTIN_SETS, CUSTOM], value=CUSTOM, label="Labels",
                                        info="a built-in set, or your own below", elem_id="label-set")
                label_text = gr.Textbox(label="My labels", lines=4, elem_id="labels",
                                        placeholder="one per line, or comma-separated: juggling, surfing, knitting")
                label_file = gr.File(label="…or a labels file (one per line, or id,name CSV)", file_count="single",
                                     file_types=[".txt", ".csv"])
                with gr.Accordion("Model and sampling", open=False):
                    method = gr.Dropdown(methods, value=METHOD, label="Method", elem_id="method")
                    model = gr.Textbox(value=default_model or "", label="Model",
                                       info="empty: the method's default; open_clip or Hugging Face names, or a path",
                                       elem_id="model")
                    adapter = gr.Textbox(label="Adapter folder", info="made by actionzs adapt; it brings its own "
                                         "labels, model and sampling", elem_id="adapter")
                    device = gr.Dropdown(devices, value="auto", label="Device")
                    with gr.Row():
                        frames = gr.Number(SAMPLING.frames, label="Frames", precision=0, minimum=1)
                        clips = gr.Number(SAMPLING.clips, label="Clips", precision=0, minimum=1)
                        crops = gr.Dropdown([1, 3], value=SAMPLING.crops, label="Crops")
                    top_k = gr.Number(TOP_K, label="Top k", precision=0, minimum=1)
                    window = gr.Number(0, label="Window (s) for long videos: 0 ranks each video whole",
                                       minimum=0, elem_id="window")
                run = gr.Button("Rank actions", variant="primary", elem_id="run")
            with gr.Column(scale=2):
                untrained = gr.Markdown(visible=False, elem_id="untrained")
                meaning = gr.Markdown(elem_id="meaning")
                table = gr.Dataframe(headers=["video", "rank", "label", "score"], label="Ranked labels",
                                     interactive=False, elem_id="ranked")
                chart = gr.Plot(label="Scores")
                timeline = gr.Gallery(label="Timelines (long videos)", visible=False, elem_id="timeline", columns=1,
                                      object_fit="contain", height="auto")
                segments = gr.Dataframe(headers=["video", "start (s)", "end (s)", "label", "mean score"],
                                        label="Segments", interactive=False, visible=False, elem_id="segments")
                download = gr.File(label="JSON (as predict --json)", elem_id="json")

        def rank(files, chosen_set, text, file, method_name, model_name, adapter_dir, device_name, n_frames, n_clips,
                 n_crops, k, seconds, progress=gr.Progress()):
            try:
                paths = [str(f) for f in (files or [])]
                labels = None if adapter_dir else labels_from(chosen_set, text, file)
                request = request_from(labels, method_name, model_name, adapter_dir or None, int(n_frames),
                                       int(n_clips), int(n_crops), float(seconds or 0) or None, int(k))
                result = session.predict(paths, request, Runtime(device_name),
                                         lambda done, desc: progress(done, desc=desc))
            except ActionzsError as exc:
                raise gr.Error(str(exc), print_exception=False) from None
            flagged = gr.update(value=f"## ⚠ {UNTRAINED_WARNING.upper()}", visible=result.untrained)
            said = f"**Scores:** {result.score_meaning}." + "".join(f"\n\n⚠ {e}" for e in result.errors)
            windows = bool(result.pictures) or bool(result.segments)
            return (flagged, said, gr.update(value=result.rows, visible=not windows),
                    gr.update(value=_chart(result.rows) if result.rows else None, visible=not windows),
                    gr.update(value=[str(p) for p in result.pictures], visible=windows),
                    gr.update(value=result.segments, visible=windows), str(result.json_file),
                    gr.update() if session.keep_uploads else None)  # the uploads were used up: the box says so

        run.click(rank, [videos, label_set, label_text, label_file, method, model, adapter, device, frames, clips,
                         crops, top_k, window],
                  [untrained, meaning, table, chart, timeline, segments, download, videos], api_name="rank")
    return page
