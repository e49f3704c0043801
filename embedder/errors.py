"""Errors the embedder answers with: a code, an HTTP status and a message."""


class EmbedderError(Exception):
    """A request the embedder refuses, with the code and status it answers."""

    code = "embedder_error"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidImage(EmbedderError):
    code = "invalid_image"
    status = 422


class ImageTooLarge(EmbedderError):
    code = "image_too_large"
    status = 413


class EmbedderBusy(EmbedderError):
    """Every worker busy and the queue full (EMBEDDER_QUEUE): retry in a moment."""

    code = "embedder_busy"
    status = 503
    retry_after = 1


class WeightsMissing(RuntimeError):
    """A model's weight file is absent and facegate never downloads at run time."""

    def __init__(self, model: str, file_name: str, folder: str, source: str) -> None:
        self.file_name = file_name
        super().__init__(
            f"{model}: weight file {file_name} is missing from {folder}; "
            f"run `facegate models pull --model {model}` where the internet is reachable "
            f"or copy the file there (source: {source})"
        )
