"""Zero-shot methods: each turns videos into features and features into class scores (see ``base.VideoMethod``).

A new method is one file here and one line below.
"""

from ..registry import Entry, Registry

METHODS = Registry("method", {
    "clip": Entry("actionzs.methods.clip_zeroshot:ClipMethod",
                  "CLIP frame embeddings averaged over time and views, matched to prompt-ensembled label texts"),
    "xclip": Entry("actionzs.methods.xclip:XClipMethod",
                   "X-CLIP: cross-frame attention, multi-frame integration, video-specific prompts "
                   "(default model microsoft/xclip-base-patch32)"),
    "caption": Entry("actionzs.methods.caption_match:CaptionMethod",
                     "'tell me what you see': observers' captions matched to class descriptions",
                     needs=(("faiss", "faiss-cpu"), ("sentence_transformers", "sentence-transformers"))),
    "videomae": Entry("actionzs.methods.videomae:VideoMAEMethod",
                      "VideoMAE video features with no text side, for adapters and episodic protocols",
                      ranks_labels=False),
})
