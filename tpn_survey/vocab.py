"""The words options accept: interval methods, p-value adjustments, output formats.

Kept free of heavy imports so the CLI checks options before loading numpy or pandas.
"""

SIMPLE_METHODS = ("wilson", "clopper-pearson", "jeffreys", "agresti-coull", "wald")
DESIGN_METHODS = ("logit", "beta", "wald")
ADJUST_METHODS = ("holm", "bh", "none")
FORMATS = ("html", "pdf", "json", "csv", "xlsx", "docx")
DEFAULT_FORMATS = ("json", "csv", "html")
