"""Use cases that the `ccm` commands, the demo and the benchmarks share: sending a command
to a workflow (one intent, signed), the key store, starting and reading chases. No click
here: a problem a person can act on is a `CommandError`, one line."""
