"""What runs ccm: settings, the connection to Temporal, the worker, the embedded dev
server, the payload codec, the demo. Used by the `ccm` commands and by the benchmarks;
imports nothing from `cli/`."""
