"""tpn: survey analysis for teacher-practice networks."""

__version__ = "0.1.0"
