"""One module per user job: predict, adapt, evaluate, anticipate, caption. ``api`` re-exports them."""
