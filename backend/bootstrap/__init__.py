"""The composition root: the one place that builds adapters and the services on them.

`adapters.connect` opens the real adapters (with the unit of work's factory);
`services.build_services` wires the use cases to any set of adapters, the real ones or the
fakes the unit tests hand in (cosmicpython's bootstrap), and is the only place a use case
is built; `jobs.build_runner` gives the one runner a replica's periodic jobs; `commands`
gives the CLI and the launcher what each needs, built by `services`. Nothing outside this
package constructs an adapter, but the adapters' own tests.
"""
