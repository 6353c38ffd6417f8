"""nginx as an unprivileged foreground process on a free port, its config in a temp folder.

Used by the X-Accel-Redirect tests and by the benchmarks (nginx is their file-serving peer).
Never the system service: `nginx -p <dir> -c <dir>/nginx.conf`, single process, no privileges.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.support.processes import free_port, popen

NGINX = "/usr/sbin/nginx"


def nginx_path() -> str | None:
    """The nginx binary, or None when it is not installed."""
    return shutil.which("nginx") or (NGINX if Path(NGINX).exists() else None)


def nginx_config(port: int, prefix: Path, server_body: str) -> str:
    """A complete nginx.conf: one server on 127.0.0.1:`port`, every path under `prefix`."""
    return f"""
daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port};
{server_body}
    }}
}}
"""


@contextmanager
def running_nginx(
    workdir: Path, server_body: str, *, cpus: Sequence[int] | None = None
) -> Iterator[str]:
    """Run nginx with `server_body` inside its `server {}` block; yield its base URL."""
    binary = nginx_path()
    if binary is None:
        raise RuntimeError("nginx is not installed (Debian package `nginx`)")
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(nginx_config(port, workdir, server_body))
    command = [binary, "-p", str(workdir), "-c", str(conf), "-e", str(workdir / "error.log")]
    if cpus and shutil.which("taskset"):
        command = ["taskset", "-c", ",".join(map(str, cpus)), *command]
    proc = popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                log = (workdir / "error.log").read_text(errors="replace")
                raise RuntimeError(f"nginx exited: {log[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("nginx did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
