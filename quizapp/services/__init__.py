"""Domain operations: take a session first, only flush, raise ServiceError subclasses."""


class ServiceError(Exception):
    """A rule refused the operation; the message is safe to show to the user."""


class NotFound(ServiceError):
    """The object does not exist or is not visible to this user."""


class Forbidden(ServiceError):
    """The user may not do this."""
