"""Few-shot adapters: what ``actionzs adapt`` learns from a few labelled clips (see ``base.Adapter``).

A new adapter is one file here and one line below.
"""

from ..registry import Entry, Registry

ADAPTERS = Registry("adapter method", {
    "prototype": Entry("actionzs.adapters.prototype:PrototypeAdapter",
                       "Tip-Adapter-style cache over the support clips' embeddings"),
    "linear": Entry("actionzs.adapters.linear:LinearAdapter", "logistic regression on frozen video embeddings"),
    "xclip": Entry("actionzs.adapters.xclip:XClipAdapter",
                   "fine-tune X-CLIP (from microsoft/xclip-base-patch32, or from a Hugging Face CLIP given with -m)"),
    "curriculum": Entry("actionzs.adapters.curriculum:CurriculumAdapter",
                        "cross-domain (CDFSL-V): VideoMAE pre-training on source and target, a source-to-target "
                        "curriculum, then logistic regression on the support clips"),
})

#: Adapters fitted on the frozen features of a zero-shot method: the ones few-shot protocols fit inside `eval`.
FROZEN_FEATURE_ADAPTERS = ("prototype", "linear")
