# Entry points. Both set up everything they need on a fresh Debian 12 machine (as root).
.PHONY: demo demo-clean test prepare lint units sanity bench bench-tls bench-site

demo:        ## a two-node MariaDB Galera cluster + a Vitess host in containers, TLS everywhere
	bash playbooks/demo/demo up

demo-clean:  ## remove the demo's containers and network (images stay)
	bash playbooks/demo/demo down

test:        ## lint, sanity (core 2.21 and 2.19), unit tests, Go checks, every Molecule scenario
	bash tests/run

prepare:     ## only the test bed: packages, podman settings, venvs, collections, images
	bash tests/testbed/prepare

BENCH_HOSTS ?= 10,50
bench:       ## time the PKI against community.crypto, cold and rerun (benchmarks/README.md); BENCH_HOSTS=2 for a quick run
	bash tests/testbed/prepare
	bash benchmarks/run --hosts $(BENCH_HOSTS)

BENCH_TLS_ARGS ?=
bench-tls:   ## cost of TLS on a 2-node Galera cluster: commits/s, p99, replication/client TLS off/on (benchmarks/tls_overhead); BENCH_TLS_ARGS='--rounds 1'
	bash tests/testbed/prepare
	bash benchmarks/tls_overhead/run $(BENCH_TLS_ARGS)

BENCH_SITE_ARGS ?=
bench-site:  ## site.yml re-run against a ping play on the demo (make demo first runs here too); BENCH_SITE_ARGS='--rotation' adds a reload CA rotation
	bash playbooks/demo/demo up
	bash benchmarks/site/run $(BENCH_SITE_ARGS)
