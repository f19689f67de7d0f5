"""``actionzs app``: a local web page (Gradio) for the jobs of the command line, on the same API.

It listens on 127.0.0.1 by default, sends nothing to the network (no analytics, no share link), keeps uploads
only for the length of a request unless asked, and shows one clear message for every bad input. Gradio is an
optional extra: ``pip install 'actionzs[app]'``.
"""

from __future__ import annotations

from ..errors import InputError

HOST, PORT = "127.0.0.1", 7860


def serve(host: str = HOST, port: int = PORT, *, keep_uploads: bool = False, cache=None, device: str = "auto",
          model: str | None = None, block: bool = True):
    """Start the page; with ``block=False`` return ``(page, url, session)`` at once (stop it with ``page.close()``)."""
    import importlib.util

    if importlib.util.find_spec("gradio") is None:
        raise InputError("actionzs app needs Gradio: pip install 'actionzs[app]'")
    from ..methods import METHODS
    from ..runtime import DEVICES
    from .jobs import Session
    from .page import build

    session = Session(cache, keep_uploads)
    devices = list(dict.fromkeys([device, *DEVICES]))
    page = build(session, METHODS.ranking(), model, devices)
    page.queue(default_concurrency_limit=1)  # one job at a time holds the models; the others wait their turn
    try:
        _, url, _ = page.launch(server_name=host, server_port=port, share=False, ssr_mode=False, mcp_server=False,
                                pwa=False, enable_monitoring=False, prevent_thread_lock=not block, quiet=not block,
                                inbrowser=False, show_error=True)
    except OSError as exc:
        session.close()
        raise InputError(f"--port {port}: cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    if not block:
        return page, url, session
    session.close()
    return None
