"""Long videos as timelines: per-window rankings (``run``), labelled segments (``segments``), the report's
documented shape (``report``), and its table, CSV and picture (``render``, ``plot``)."""
