"""The steps of the README's "Your first hour", run as written, and what each must print."""

import json
import os
import re
import subprocess
import sys

readme, root = sys.argv[1], sys.argv[2]
text = open(readme, encoding="utf-8").read()
section = text.split("\n## Your first hour\n", 1)[1].split("\n## ", 1)[0]
blocks = re.findall(r"```(sh|rust)\n(.*?)```", section, re.S)
parent = os.path.dirname(root)
failures = []


def check(ok, what):
    print(("  ok: " if ok else "  FAILED: ") + what)
    if not ok:
        failures.append(what)


for number, (kind, body) in enumerate(blocks, 1):
    if kind == "rust":
        # "Write a function in src/main.rs": at the end of the file, a place any item may go.
        main = os.path.join(parent, "my-server", "src", "main.rs")
        with open(main, "a", encoding="utf-8") as f:
            f.write("\n" + body)
        print(f"\n== step {number}: the README's function added to {main}")
        continue
    print(f"\n== step {number}:\n{body.rstrip()}")
    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", body],
        cwd=root,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    sys.stderr.write(run.stderr[-4000:])
    print(run.stdout[-4000:])
    check(run.returncode == 0, f"step {number} exits 0 (it exited {run.returncode})")
    if run.returncode != 0:
        break
    for project in ("my-server", "my-http-server"):
        if f"cargo new-server ../{project}" in body:
            open(os.path.join(parent, project, ".first-hour"), "w").close()
    if "--print-config claude-desktop" in body:
        config = json.loads(run.stdout[run.stdout.index("{") :])
        (name, server), = config["mcpServers"].items()
        if "--transport http" in body:
            check(server["command"] == "npx", "the HTTP server is reached through npx")
            check(
                server["args"] == ["-y", "mcp-remote", "http://127.0.0.1:8080/mcp"],
                "through mcp-remote at http://127.0.0.1:8080/mcp",
            )
        else:
            check(os.path.isabs(server["command"]), "the command is an absolute path")
            check(os.access(server["command"], os.X_OK), "and it can be run")
            check(server["args"] == [], "with no arguments")
    if "--tool-name greet" in body:
        check("Hello, Ada!" in run.stdout, "greet answers Hello, Ada!")
    if "--tool-name shout" in body:
        check("HELLO" in run.stdout, "the added tool answers HELLO")

if failures:
    sys.exit(f"\nfirst hour: {len(failures)} check(s) failed: " + "; ".join(failures))
print("\nfirst hour: every step ran as written")
