"""Benchmarks of the platform against the limits of each path (`make bench`).

Every benchmark alternates our variant and a peer (A B A B ...) in the same run, pins the server
and the load generator to different cores when there are two, and reports the median ratio and
its spread. `python -m bench` writes the table into docs/performance.md.
"""
