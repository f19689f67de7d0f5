"""Training: the one loop of the product (``trainer``, on Hugging Face accelerate), the clip data it reads
(``data``), the objectives of masked video modelling and the curriculum (``objectives``), and the log it keeps
(``log``). Adapters that train (``xclip``, ``curriculum``) describe a step; this package runs it."""
