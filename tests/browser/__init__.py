"""Browser tests: the production build served by `scripts/serve.sh`, driven in headless Chromium."""
