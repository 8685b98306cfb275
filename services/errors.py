"""The one error the use cases raise for a problem a person can act on."""


class CommandError(Exception):
    """One line for the person who sent the command (the CLI prints it as `Error: …`)."""
