"""Benchmarks of the LLM gateway (`make bench` = `python -m bench`); see `bench/__main__.py`."""
