"""``actionzs app``: the web page."""

from __future__ import annotations

import click

from ..app import HOST, PORT
from .options import cache_options


@click.command("app")
@click.option("--host", default=HOST, show_default=True,
              help="Address to listen on; 0.0.0.0 lets other machines of your network in (no authentication).")
@click.option("--port", type=click.IntRange(1, 65535), default=PORT, show_default=True, help="Port to listen on.")
@click.option("--keep-uploads", is_flag=True, help="Keep uploaded videos after each request (in Gradio's temporary "
              "folder); by default each is deleted when its request ends.")
@click.option("--device", default=None, help="The device chosen first on the page [default: the config file's, or auto].")
@cache_options
def app(host, port, keep_uploads, device, cache):
    """A local web page for predict: upload videos, type labels, see the ranked labels, a bar chart, the timeline
    of long videos, and download the JSON of `predict --json`.

    \b
      actionzs app                      # then open http://127.0.0.1:7860
      actionzs app --port 8080 --keep-uploads

    Needs the optional extra: pip install 'actionzs[app]'. Nothing is sent to the network (Gradio's analytics and
    share links are off); the models and the feature cache are the command line's.
    """
    from ..app import serve
    from ..console import notice

    root = click.get_current_context().find_root().obj
    notice(f"actionzs app on http://{host}:{port} (Ctrl+C stops it)")
    serve(host, port, keep_uploads=keep_uploads, cache=cache, device=device or getattr(root, "device", None) or "auto",
          model=getattr(root, "model", None))
