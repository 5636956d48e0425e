"""The one exception of the katakana scorer: a submission that was not scored."""

__all__ = ["ScoringRefused"]


class ScoringRefused(Exception):
    """The submission was not scored; ``kind`` says why, the message says what to do."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind
