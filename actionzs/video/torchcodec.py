"""torchcodec, PyTorch's video decoder, as one of the reader's backends: optional (``pip install
'actionzs[torchcodec]'``), and usable only where the FFmpeg 4-7 libraries of the system load."""

from __future__ import annotations

from pathlib import Path

from ..errors import VideoError

#: PyAV reads these even when torchcodec is asked for: GIF, and AVI, where torchcodec 0.17 returned frame i-1 for
#: frame i on sparse reads of real UCF101 and NTU clips (tests/test_decoders.py compares every clip with PyAV)
NOT_TORCHCODEC = (".gif", ".avi")
_TORCHCODEC: list = []  # [VideoDecoder class or None], filled on first use


def torchcodec_decoder():
    """torchcodec's ``VideoDecoder``, or None where torchcodec (or the FFmpeg libraries it loads) is missing."""
    if not _TORCHCODEC:
        try:
            from torchcodec.decoders import VideoDecoder
        except Exception:  # ImportError, or RuntimeError when no FFmpeg libraries load
            VideoDecoder = None
        _TORCHCODEC.append(VideoDecoder)
    return _TORCHCODEC[0]


def open_torchcodec(path: Path, device: str, required: bool):
    decoder = torchcodec_decoder()
    if decoder is None:
        if required:
            raise VideoError(path, "torchcodec is not installed, or cannot load the FFmpeg libraries "
                                   "(pip install 'actionzs[torchcodec]'; apt-get install ffmpeg)")
        return None
    try:
        return decoder(str(path), device=device, dimension_order="NHWC", seek_mode="exact")
    except Exception as exc:
        if required:
            raise VideoError(path, f"torchcodec cannot open this file ({type(exc).__name__})") from None
        return None
