# image pipeline: see docs/architecture.md
