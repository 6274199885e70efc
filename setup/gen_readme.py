#!/usr/bin/env python3
"""Write each addon's README.rst from its readme/*.md fragments.

A small stand-in for OCA's oca-gen-addon-readme: ``python3 setup/gen_readme.py``.
"""

import ast
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECTIONS = [
    ("DESCRIPTION.md", None),
    ("CONFIGURE.md", "Configuration"),
    ("USAGE.md", "Usage"),
    ("HISTORY.md", "Changelog"),
]


def md_to_rst(text):
    text = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"`\1 <\2>`_", text)
    text = re.sub(r"(?<!`)`([^`]+)`(?!`)", r"``\1``", text)
    return text.strip() + "\n"


def main():
    addons = os.path.join(ROOT, "addons")
    for name in sorted(os.listdir(addons)):
        manifest_path = os.path.join(addons, name, "__manifest__.py")
        if not os.path.exists(manifest_path):
            continue
        with open(manifest_path) as handle:
            manifest = ast.literal_eval(handle.read())
        title = manifest["name"]
        parts = ["=" * len(title), title, "=" * len(title), ""]
        parts.append(
            f"*{manifest['summary']}* (version {manifest['version']}, "
            f"{manifest['license']})\n"
        )
        for filename, heading in SECTIONS:
            path = os.path.join(addons, name, "readme", filename)
            if not os.path.exists(path):
                continue
            with open(path) as handle:
                body = md_to_rst(handle.read())
            if heading:
                parts += [heading, "=" * len(heading), ""]
            parts.append(body)
        parts += ["Credits", "=======", "", f"Authors: {manifest['author']}", ""]
        with open(os.path.join(addons, name, "README.rst"), "w") as handle:
            handle.write("\n".join(parts))


if __name__ == "__main__":
    main()
