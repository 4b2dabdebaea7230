"""Resync console: the web console of an AI assistant for HCL Workload Automation (TWS)."""
