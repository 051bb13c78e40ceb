"""Tiny helpers to write workbook notebooks with nbformat (outputs stripped)."""
import os
import nbformat

KERNELSPEC = {"name": "tslab-workbook", "display_name": "TypeScript (workbook)", "language": "typescript"}
NB_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "notebooks")


def md(text):
    return nbformat.v4.new_markdown_cell(text.strip("\n"))


def code(text):
    return nbformat.v4.new_code_cell(text.strip("\n"))


def write(name, cells):
    for i, c in enumerate(cells):
        c["id"] = f"c{i:02d}"  # stable ids keep diffs small
    nb = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": KERNELSPEC,
        "language_info": {"name": "typescript", "file_extension": ".ts", "mimetype": "text/typescript"},
    })
    nbformat.write(nb, os.path.join(NB_DIR, name))
