#!/usr/bin/env bash
# Prints the path of a working Python 3.10 (Rasa 3.6 needs it), or nothing.
# pyenv's shims answer to `python3.10` even when 3.10 is not the active version,
# so every candidate is run before it is trusted.
candidates=()
if command -v pyenv >/dev/null 2>&1; then
  prefix=$(pyenv prefix 3.10 2>/dev/null | head -n 1)
  [ -n "$prefix" ] && candidates+=("$prefix/bin/python3.10")
fi
candidates+=("$(command -v python3.10 2>/dev/null)" /usr/bin/python3.10 /usr/local/bin/python3.10)
for python in "${candidates[@]}"; do
  if [ -n "$python" ] && "$python" -c 'import sys, venv; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
    echo "$python"
    exit 0
  fi
done
exit 1
