"""The application's errors: the CLI turns each into one line and its exit code (it maps the detectors' own)."""


class TutorWatchError(Exception):
    """A user-facing failure: bad input, an unreadable file. str() is the one line shown."""

    exit_code = 1


class ConfigError(TutorWatchError):
    """An invalid site config, rule file, model or lexicon: nothing is crawled or analysed with it."""

    exit_code = 4


class FetchError(TutorWatchError):
    """Nothing could be fetched: every URL or site failed."""

    exit_code = 5


class LockedError(TutorWatchError):
    """Another crawl holds the lock on this database: this one starts nothing."""

    exit_code = 7


class DatabaseError(TutorWatchError):
    """The leads database cannot be used (not a database, or from a newer TutorWatch): it is left as it is."""

    exit_code = 8
