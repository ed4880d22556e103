#!/bin/sh
# Runs on the host before the container is created (initializeCommand).
# The container binds .git/hooks and .git/config read-only so that nothing the
# agent writes inside can run on the host at the next `git` there; both must
# exist on the host for those binds.
set -eu
# The container-as-boundary configuration binds .vscode read-only: it must exist.
mkdir -p .vscode
if [ -d .git ]; then
  mkdir -p .git/hooks
  [ -f .git/config ] || { echo "cordon: .git/config is missing; is this a git repository?" >&2; exit 1; }
elif [ -f .git ]; then
  echo "cordon: .git is a file (a worktree or submodule); open the main checkout instead, so its hooks and config can be protected." >&2
  exit 1
else
  echo "cordon: this folder is not a git repository (no .git). Run 'git init' first: the container protects .git/hooks and .git/config from the agent." >&2
  exit 1
fi
