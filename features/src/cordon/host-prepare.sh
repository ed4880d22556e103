#!/bin/sh
# Runs on the host before the container is created (initializeCommand). The
# cordon Feature binds .git/hooks and .git/config read-only, so that nothing
# the agent writes inside can run on the host at the next `git` there; both
# must exist on the host for those binds.
set -eu
if [ -d .git ]; then
  mkdir -p .git/hooks
  [ -f .git/config ] || { echo "cordon: .git/config is missing; is this a git repository?" >&2; exit 1; }
elif [ -f .git ]; then
  echo "cordon: .git is a file (a worktree or submodule); open the main checkout instead, so its hooks and config can be protected." >&2
  exit 1
else
  # A folder made from the Template starts without a repository.
  git init -q . || { echo "cordon: this folder is not a git repository and 'git init' failed; the container protects .git/hooks and .git/config, so they must exist." >&2; exit 1; }
  mkdir -p .git/hooks
  echo "cordon: initialised a git repository here (the container protects its .git/hooks and .git/config)" >&2
fi
