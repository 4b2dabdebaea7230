"""Bundled HCL Workload Automation simulator: the REST API v2 subset Resync uses, over a simulated plan.

`python -m resync_app.tws_simulator` serves it (`make run` does, on 127.0.0.1:31116); tests start a `Simulator`
in-process on a free port. See `simulator.py` for the control API.
"""
