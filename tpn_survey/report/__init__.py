"""Render Results: HTML (`html`: Jinja + inline SVG from `charts`), PDF (`pdf`: WeasyPrint),
CSV/XLSX tables (`tables`) and JSON (`json_out`); `outputs` renders all, then writes them.

Nothing is imported here, so a run that writes only JSON loads neither Jinja nor openpyxl, and
heavy libraries are imported inside the functions that need them.
"""
