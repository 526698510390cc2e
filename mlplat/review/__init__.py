"""Pull-request review: what a change creates, replaces, deletes, opens up and costs.

`mlplat diff` (mlplat/review/commands.py) builds a Review (report.py) from two sides
(sides.py): the resource diff (diff.py, with replacements.py), destructive changes
(destructive.py), security broadening (grant*.py, security.py), cost (cost.py,
cost_items.py, prices.py and prices.json), a diagram (diagram.py), and renders it as a PR
comment (comment.py, comment_cost.py, markdown.py) or text (text.py). `mlplat check
--format sarif` uses sarif.py and locate.py.
"""
