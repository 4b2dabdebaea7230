"""Live pushes to operator dashboards (one producer per topic per worker)."""
