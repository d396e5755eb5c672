"""The French site people use: pages and forms over the platform's public APIs."""
