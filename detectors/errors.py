"""The detectors' own errors: plain exceptions whose str() is one line; the application maps them to exit codes."""


class DetectorError(Exception):
    """Input the detectors cannot use (a labelled file that is not one)."""


class ConfigError(DetectorError):
    """An invalid rule file, lexicon, model or registry: nothing is analysed with it."""
