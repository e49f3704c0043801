"""The composition root: the one place that builds adapters and the services on them.

`adapters.connect` opens the real adapters; `services.build_services` and `build_workers`
wire the use cases to any set of adapters, the real ones or the fakes the unit tests hand
in (cosmicpython's bootstrap); `commands` gives the CLI and the launcher what each needs.
Nothing outside this package constructs an adapter, but the adapters' own tests.
"""
