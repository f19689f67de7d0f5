"""One exception family, so the CLI can print one clear line and exit non-zero for any bad input."""


class ActionzsError(Exception):
    """A user-facing failure: the message is a complete, one-line explanation."""

    exit_code = 2


class VideoError(ActionzsError):
    """A video that cannot be opened or decoded; names the file and the cause."""

    def __init__(self, path, cause: str):
        self.path = str(path)
        self.cause = cause
        super().__init__(f"{self.path}: {cause}")

    def __reduce__(self):  # travels back from decoding worker processes
        return VideoError, (self.path, self.cause)


class ModelUnavailableError(ActionzsError):
    """Weights that cannot be reached (offline, unknown name, missing local file)."""


class InputError(ActionzsError):
    """A malformed label list, split file, YAML or option value."""
