"""The test suite (a package, so that its helpers import as tests.<name> for pytest and mypy alike)."""
