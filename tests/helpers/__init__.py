"""What the tests share: builders, stand-ins and readers, one module per topic. Tests and conftest
files import from here; no test module imports another (docs/architecture.md, "Tests")."""
