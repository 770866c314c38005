"""gunicorn settings; gunicorn reads this file from its working directory."""

# gunicorn's control socket lives at one path per user, so every server on a
# machine (the outage test, the benchmark's app and baseline, the soak, a
# second deployment) would compete for it. Nothing here uses it: process
# managers and signals control the servers.
control_socket_disable = True
