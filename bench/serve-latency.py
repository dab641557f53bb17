#!/usr/bin/env python3
"""Time `advocate serve` from a save to the fresh page, as a reader's tab sees it.

Starts the real server on a site, listens to its live-reload stream like the open tab
does, then saves an edit several times: to the first article's body or title, or to the
first incident's title.
For each save it prints how long after the file was written

  - the tab was told to reload (the event naming the item's page), and
  - the edited item's page, fetched again, showed the edit,

both including the watcher's wait for the end of the editor's burst of writes. The
file is restored at the end.

    cargo build --release
    cargo run --release --example synth -- --articles 10000 --incidents 2000 /dev/shm/site
    bench/serve-latency.py /dev/shm/site [body|title|incident] [ROUNDS]

Only the Python standard library is used.
"""

import http.client
import os
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADVOCATE = os.path.join(ROOT, "target", "release", "advocate")


def first(site, folder, ext):
    """The first file of a content folder, and its name without the extension."""
    folder = os.path.join(site, "content", folder)
    names = sorted(n for n in os.listdir(folder) if n.endswith(ext))
    return os.path.join(folder, names[0]), names[0][: -len(ext)]


def start(site):
    server = subprocess.Popen(
        [ADVOCATE, "--root", site, "serve", "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in server.stderr:
        if line.startswith("serving"):
            url = line.split(" at ")[1].split()[0]
            return server, url.removeprefix("http://").rstrip("/")
    raise SystemExit("the server did not start")


def events(host):
    """The live-reload stream, past its headers."""
    address, port = host.rsplit(":", 1)
    stream = socket.create_connection((address, int(port)))
    stream.sendall(
        f"GET /__advocate/events HTTP/1.1\r\nHost: {host}\r\n"
        "Accept: text/event-stream\r\n\r\n".encode()
    )
    received = b""
    while b"\r\n\r\n" not in received:
        received += stream.recv(4096)
    return stream


def wait_for(stream, name):
    """Reads reload events until one names the file `name` (or every file)."""
    received = b""
    while name.encode() not in received and b'data: "*"' not in received:
        chunk = stream.recv(4096)
        if not chunk:
            raise SystemExit("the stream closed")
        received += chunk


def page(host, path):
    connection = http.client.HTTPConnection(host)
    connection.request("GET", path)
    body = connection.getresponse().read().decode()
    connection.close()
    return body


def main():
    site = sys.argv[1]
    edit = sys.argv[2] if len(sys.argv) > 2 else "body"
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 9
    if edit == "incident":
        path, name = first(site, "incidents", ".toml")
        page_path = f"/incidents/{name}/"
    else:
        path, name = first(site, "articles", ".md")
        page_path = f"/articles/{name}/"
    page_file = page_path.lstrip("/") + "index.html"
    with open(path, encoding="utf-8") as f:
        original = f.read()
    server, host = start(site)
    stream = events(host)
    reloads, pages = [], []
    try:
        for n in range(rounds):
            marker = f"Edit number {n} of this run"
            if edit in ("title", "incident"):
                text = original.replace('title = "', f'title = "{marker}: ', 1)
            else:
                text = f"{original}\n{marker}.\n"
            time.sleep(1.0)  # what the previous save left: search index, other pages
            started = time.monotonic()
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            wait_for(stream, page_file)
            reloads.append((time.monotonic() - started) * 1000)
            while marker not in page(host, page_path):
                pass
            pages.append((time.monotonic() - started) * 1000)
            print(f"{edit} edit: reload after {reloads[-1]:.0f} ms, page after {pages[-1]:.0f} ms")
    finally:
        with open(path, "w", encoding="utf-8") as f:
            f.write(original)
        server.terminate()
        server.wait()
    print(
        f"median over {rounds} saves: reload {statistics.median(reloads):.0f} ms, "
        f"fresh page {statistics.median(pages):.0f} ms "
        f"(from {min(pages):.0f} to {max(pages):.0f})"
    )


if __name__ == "__main__":
    main()
