"""Exceptions for what makes a run impossible. Bad data is a `Problem`, not an exception."""


class TpnError(Exception):
    """A run cannot go on; the CLI prints the message and exits with `exit_code`."""

    exit_code = 2


class InputError(TpnError):
    """An input file is missing, empty, binary, undecodable or unparseable."""


class SchemaError(TpnError):
    """The instrument schema is not valid YAML or breaks the instrument model."""


class DesignError(TpnError):
    """The survey design cannot be built from the data (weights, strata, clusters, fpc)."""

    exit_code = 1


class OptionError(TpnError):
    """A command-line option or tpn.toml setting is invalid."""
