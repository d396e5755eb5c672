"""Reading the gateway's nginx configuration, and running nginx on a local copy of it."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

_TOKEN = re.compile(
    r"""
    \s+ | \#[^\n]* (?# whitespace and comments are skipped)
    | (?P<quoted>'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")
    | (?P<punct>[{};])
    | (?P<word>[^\s{};'"]+)
    """,
    re.VERBOSE,
)


@dataclass
class Directive:
    """One nginx directive: its name, arguments, and block when it has one."""

    name: str
    args: list[str]
    block: list[Directive] = field(default_factory=list)

    def find(self, name: str) -> list[Directive]:
        """The directives called ``name`` directly inside this block."""
        return [child for child in self.block if child.name == name]


def parse(conf: str) -> list[Directive]:
    """The directives of ``conf``, nested as in the file (quotes and comments handled)."""
    stack: list[list[Directive]] = [[]]
    words: list[str] = []
    for match in _TOKEN.finditer(conf):
        if match["quoted"]:
            words.append(match["quoted"][1:-1])
        elif match["word"]:
            words.append(match["word"])
        elif match["punct"] == ";":
            stack[-1].append(Directive(words[0], words[1:]))
            words = []
        elif match["punct"] == "{":
            directive = Directive(words[0], words[1:])
            stack[-1].append(directive)
            stack.append(directive.block)
            words = []
        elif match["punct"] == "}":
            stack.pop()
    assert len(stack) == 1, "unbalanced braces"
    return stack[0]


def gateway_routes(conf: str) -> dict[str, str]:
    """``{location prefix: "host:port"}`` for every location of the HTTP server that proxies."""
    http = next(directive for directive in parse(conf) if directive.name == "http")
    routes: dict[str, str] = {}
    for server in http.find("server"):
        for location in server.find("location"):
            passes = location.find("proxy_pass")
            if not passes:
                continue
            variables = {d.args[0]: d.args[1] for d in location.find("set")}
            target = passes[0].args[0].removeprefix("http://")
            routes[location.args[-1]] = variables.get(target, target)
    return routes


@dataclass(frozen=True)
class Nginx:
    """The nginx found on this machine, and what a copy of the config needs to load."""

    binary: str
    preamble: str


def local_nginx() -> Nginx | None:
    """This machine's nginx, with the stream module's loading line if it is dynamic.

    None when nginx is absent or cannot proxy TCP (Debian ships the stream module in
    libnginx-mod-stream; the official image builds it in).
    """
    # /usr/sbin is not on every user's PATH.
    binary = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if binary is None:
        return None
    version = subprocess.run([binary, "-V"], capture_output=True, text=True, check=False).stderr
    if "--with-stream=dynamic" in version:
        modules = re.search(r"--modules-path=(\S+)", version)
        module = Path(modules.group(1) if modules else "/usr/lib/nginx/modules")
        module = module / "ngx_stream_module.so"
        if not module.exists():
            return None
        return Nginx(binary, f"load_module {module};\n")
    if "--with-stream" not in version:
        return None
    return Nginx(binary, "")
