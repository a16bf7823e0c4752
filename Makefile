# Shortcuts; the README's commands work without make.
.PHONY: test bench ci

test:
	go test ./...

bench:
	bash scripts/bench.sh

ci:
	bash .ci/run
