"""Clinician sign-off of every text the assistant can say.

texts.py collects the texts from their data files, signoff.py keeps the record of who
approved which exact wording (data/review/signoff.yml), report.py renders them as one
HTML document for review. Run from the command line (`python -m bot content ...`); the
Rasa server only asks `signoff.all_signed_off()` when it starts, so the assistant says its
answers are reviewed by clinicians only when that is true.
"""
