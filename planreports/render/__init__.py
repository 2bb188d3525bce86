"""Render: PackView -> workbook (xlsxwriter), deck (python-pptx) and text (jinja2)."""
