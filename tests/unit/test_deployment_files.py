"""The deployment files in deploy/ (README, "Going live") agree with the code they start.

- compose.yml: only nginx publishes ports, and every service the stack needs is there;
- env.example: every variable the code and the endpoints/credentials files read is in it
  (the lists are parsed out of the sources, so a new variable fails this test until it is
  added there), each with a comment, and no secret in it is anything but `change-me`;
- the systemd units and compose.yml run commands that exist: the python module and its
  subcommand, Rasa's own subcommands and flags, bound to 127.0.0.1 in the units;
- nginx.conf passes only socket.io and the Telegram webhook to Rasa, and with nginx on
  the PATH (`.ci/run` installs it) it is checked with `nginx -t` and run against two
  stand-in servers to see what reaches which (never Rasa's HTTP API).
"""
from __future__ import annotations

import ast
import importlib.util
import json
import re
import shlex
import shutil
import socket
import subprocess
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest
import requests
import yaml

from tests.paths import ROOT

DEPLOY = ROOT / "deploy"
SYSTEMD = DEPLOY / "systemd"
COMPOSE = DEPLOY / "compose.yml"
ENV_EXAMPLE = DEPLOY / "env.example"
NGINX_CONF = DEPLOY / "nginx.conf"
UPSTREAMS = {"systemd": DEPLOY / "nginx" / "upstreams.systemd.conf",
             "compose": DEPLOY / "nginx" / "upstreams.compose.conf"}
# Where the units expect the project (and so its .venv) to be.
INSTALL_DIR = "/opt/ptsd-bot"
PLACEHOLDER = "change-me"

# The processes every deployment runs (scripts/run_stack.sh), and what else compose needs.
SERVERS = {"actions", "rasa", "web"}
COMPOSE_SERVICES = SERVERS | {"postgres", "redis", "migrate", "purge", "nginx"}


# --- reading the sources -------------------------------------------------------------------

def _is_environ(node: ast.AST) -> bool:
    """`os.environ`, `environ`, or a local called `env` (settings.py: `env = os.environ`)."""
    return ((isinstance(node, ast.Attribute) and node.attr == "environ")
            or (isinstance(node, ast.Name) and node.id in ("environ", "env")))


def variables_read_by(path: Path) -> Set[str]:
    """Every environment variable a Python file reads by name: `os.environ.get("X")`,
    `env.get("X")`, `os.environ["X"]`, `os.getenv("X")`, `machine_secret("X", ...)`."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        name = None
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in ("get", "setdefault", "pop") and _is_environ(func.value):
                name = node.args[0].value
            elif (isinstance(func, ast.Attribute) and func.attr == "getenv") or (
                    isinstance(func, ast.Name) and func.id in ("getenv", "machine_secret")):
                name = node.args[0].value
        elif isinstance(node, ast.Subscript) and _is_environ(node.value):
            if isinstance(node.slice, ast.Constant):
                name = node.slice.value
        if isinstance(name, str) and re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
            found.add(name)
    return found


def variables_in_yaml_files() -> Dict[str, Set[str]]:
    """`${VAR}` in endpoints*.yml and credentials*.yml, as Rasa fills them from the environment."""
    files = sorted(ROOT.glob("endpoints*.yml")) + sorted(ROOT.glob("credentials*.yml"))
    return {path.name: set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", path.read_text(encoding="utf-8")))
            for path in files}


def env_example_entries() -> List[Tuple[int, str, str, bool]]:
    """(line number, name, value, commented out) of every VAR=value line of env.example."""
    entries = []
    for number, line in enumerate(ENV_EXAMPLE.read_text(encoding="utf-8").splitlines(), 1):
        match = re.match(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            entries.append((number, match[2], match[3], bool(match[1])))
    return entries


def read_unit(path: Path) -> Dict[str, Dict[str, List[str]]]:
    """A systemd unit file as {section: {key: [values in order]}} (keys may repeat)."""
    sections: Dict[str, Dict[str, List[str]]] = {}
    current = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None and "=" in line, f"{path.name}: cannot read {raw!r}"
        key, value = line.split("=", 1)
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def units() -> Dict[str, Dict[str, Dict[str, List[str]]]]:
    return {path.name: read_unit(path) for path in sorted(SYSTEMD.iterdir())}


def unit_environment(unit: Dict[str, Dict[str, List[str]]]) -> Dict[str, str]:
    env = {}
    for assignment in unit["Service"].get("Environment", []):
        for word in shlex.split(assignment):
            key, value = word.split("=", 1)
            env[key] = value
    return env


def expand(command: str, env: Dict[str, str]) -> List[str]:
    """The argument list of an Exec line, ${VAR} filled as systemd and sh would."""
    def value(match: re.Match) -> str:
        name = match[1]
        return env.get(name, "test-token" if name == "RASA_API_TOKEN" else f"<{name} unset>")
    return [re.sub(r"\$\$?\{?([A-Z_][A-Z0-9_]*)\}?", value, word) for word in shlex.split(command)]


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


# --- what a command line starts ---------------------------------------------------------------

def rasa_arguments(arguments: List[str]):
    """Rasa's own argument parser, the one `rasa` and bot.rasa_side.server use: an unknown
    subcommand or flag fails here as it would at start."""
    from rasa.__main__ import create_argument_parser
    parser = create_argument_parser()
    try:
        return parser.parse_args(arguments)
    except SystemExit:
        pytest.fail(f"rasa does not accept: {' '.join(arguments)}")


def bot_subcommand(arguments: List[str], monkeypatch) -> Tuple[str, object]:
    """Which `python -m bot` command these arguments run (without running it), and its arguments."""
    import bot.__main__ as cli
    ran = []
    for command in ("web", "add_user", "purge", "migrate"):
        if hasattr(cli, command):
            monkeypatch.setattr(cli, command, lambda args, command=command: ran.append((command, args)))
    try:
        cli.main(arguments)
    except SystemExit:
        pytest.fail(f"python -m bot does not accept: {' '.join(arguments)}")
    assert len(ran) == 1, arguments
    return ran[0]


def check_command(argv: List[str], monkeypatch) -> Tuple[str, object]:
    """What a deployment command runs: ("bot <command>", args) or ("rasa <command>", args).
    The program must be the project's .venv python or rasa, and exist in this checkout's .venv."""
    program = Path(argv[0])
    assert program.parent.name == "bin" and program.parent.parent.name == ".venv", argv
    assert program.name in ("python", "rasa"), argv
    assert (ROOT / ".venv" / "bin" / program.name).exists(), f"no .venv/bin/{program.name} in this checkout"
    if program.name == "rasa":
        args = rasa_arguments(argv[1:])
        return f"rasa {argv[1]}" + (f" {argv[2]}" if argv[1:3] == ["run", "actions"] else ""), args
    assert argv[1] == "-m", argv
    module = argv[2]
    assert importlib.util.find_spec(module) is not None, f"no module {module}"
    if module == "bot":
        command, args = bot_subcommand(argv[3:], monkeypatch)
        return f"bot {command}", args
    assert module == "bot.rasa_side.server", f"unexpected module {module}"
    from bot.rasa_side import server
    assert callable(server.main)
    args = rasa_arguments(argv[3:])
    return f"rasa {argv[3]}", args


def check_rasa_server_files(args) -> None:
    """The files a Rasa server command names: the production channels, the PostgreSQL
    endpoints, and the model the Makefile trains."""
    assert args.credentials == "credentials.production.yml", args.credentials
    assert args.endpoints == "endpoints.postgres.yml", args.endpoints
    assert (ROOT / args.credentials).is_file() and (ROOT / args.endpoints).is_file()
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(rf"^MODEL := {re.escape(args.model)}$", makefile, re.M), args.model
    assert args.enable_api and args.auth_token == "test-token"
    assert not args.cors, "the HTTP API is not public: no CORS"


# --- 1. compose.yml ---------------------------------------------------------------------------

def test_compose_publishes_ports_on_nginx_only():
    services = compose()["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"nginx"}
    ports = {str(port).split(":")[-1] for port in services["nginx"]["ports"]}
    assert ports == {"443", "80"}
    for name, service in services.items():
        assert service.get("network_mode") != "host", name


def test_compose_has_every_service_the_stack_needs():
    config = compose()
    services = config["services"]
    assert COMPOSE_SERVICES <= set(services), COMPOSE_SERVICES - set(services)
    # The stores have no way out and nothing but the app reaches them.
    assert config["networks"]["backend"].get("internal") is True
    for store in ("postgres", "redis"):
        assert services[store]["networks"] == ["backend"], store
    # nginx reaches the two servers it proxies to, by the names its upstreams use.
    upstream_hosts = set(re.findall(r"server\s+([a-z]+):\d+;", UPSTREAMS["compose"].read_text()))
    assert upstream_hosts == {"rasa", "web"}
    for host in upstream_hosts:
        assert set(services[host]["networks"]) & set(services["nginx"]["networks"]), host
    for mounted in services["nginx"]["volumes"]:
        source = mounted.split(":")[0]
        if source.startswith("./"):
            assert (DEPLOY / source).is_file(), source
    # Every app process starts after the migration, on PostgreSQL and Redis.
    for name in SERVERS | {"purge"}:
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
        assert services[name]["environment"]["RASA_ENDPOINTS"] == "endpoints.postgres.yml", name
        assert services[name]["environment"]["RASA_CREDENTIALS"] == "credentials.production.yml", name


def _compose_argv(service: dict) -> List[str]:
    command = service["command"]
    if command[:2] == ["/bin/sh", "-c"]:
        # The one command the script runs: after `exec`, or inside `while true; do ...; done`.
        parts = [part.strip() for part in command[2].split(";")]
        run = [part.split(" ", 1)[1] for part in parts if part.startswith(("exec ", "do "))]
        assert len(run) == 1, command[2]
        return expand(run[0], {**service["environment"], "RASA_API_TOKEN": "test-token"})
    return list(command)


def test_compose_runs_the_commands_of_scripts_run_stack(monkeypatch):
    services = compose()["services"]
    started = {name: check_command(_compose_argv(services[name]), monkeypatch)
               for name in SERVERS | {"migrate", "purge"}}
    assert started["actions"][0] == "rasa run actions" and started["actions"][1].actions == "actions"
    assert started["rasa"][0] == "rasa run"
    check_rasa_server_files(started["rasa"][1])
    assert started["web"][0] == "bot web"
    assert started["migrate"][0] == "bot migrate"
    assert started["purge"][0] == "bot purge"


def test_the_dockerfile_builds_the_image_the_commands_need():
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.10-slim\b", dockerfile, re.M)
    assert re.search(r"pip install .*-r requirements\.txt", dockerfile)
    # The Makefile's own targets build the spaCy pipeline and the model.
    targets = re.findall(r"(?:^RUN|&&)\s+make ([a-z]+)", dockerfile, re.M)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "train" in targets
    for target in targets:
        assert re.search(rf"^{target}:", makefile, re.M), target
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M), "the processes do not run as root"
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    assert {".env", ".venv", "var", ".git"} <= set(ignored)


# --- 2. env.example ---------------------------------------------------------------------------

def variables_the_deployment_reads() -> Dict[str, Set[str]]:
    sources = {"bot/settings.py": variables_read_by(ROOT / "bot" / "settings.py")}
    for folder in ("bot", "actions"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            found = variables_read_by(path)
            if found:
                sources[str(path.relative_to(ROOT))] = found
    sources.update(variables_in_yaml_files())
    # The defaults scripts/env.sh gives the servers.
    env_sh = (ROOT / "scripts" / "env.sh").read_text(encoding="utf-8")
    sources["scripts/env.sh"] = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", env_sh, re.M))
    return sources


def test_the_source_parsing_finds_the_variables_we_know_of():
    # Guards the test itself: a parser that found nothing would pass everything.
    sources = variables_the_deployment_reads()
    assert {"ORG_NAME", "STAFF_HOURS", "WEB_SESSION_SECRET", "RASA_API_TOKEN", "TRACKER_DATABASE_URL",
            "DATABASE_URL", "CLINIC_PHONE"} <= sources["bot/settings.py"]
    assert {"TRACKER_DB_PASSWORD", "REDIS_HOST", "ACTION_SERVER_URL"} <= sources["endpoints.postgres.yml"]
    assert "TELEGRAM_BOT_TOKEN" in sources["bot/rasa_side/channels/telegram.py"]


def test_every_variable_read_is_in_env_example():
    documented = {name for _, name, _, _ in env_example_entries()}
    missing = {source: sorted(names - documented) for source, names in variables_the_deployment_reads().items()
               if names - documented}
    assert not missing, f"add these to deploy/env.example (with a comment): {missing}"


def test_env_example_says_what_each_variable_is_and_holds_no_secret():
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    names = [name for _, name, _, _ in env_example_entries()]
    assert len(names) == len(set(names)), "a variable is listed twice"
    for number, name, value, commented in env_example_entries():
        above = lines[number - 2] if number >= 2 else ""
        assert above.startswith("#") and not re.match(r"^#\s*[A-Z][A-Z0-9_]*=", above), \
            f"{name} (line {number}) has no comment above it"
        if re.search(r"TOKEN|SECRET|PASSWORD", name):
            assert value == PLACEHOLDER, f"{name} must be the placeholder {PLACEHOLDER!r}, not {value!r}"
        if "://" in value and "@" in value:
            assert value.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1] == PLACEHOLDER, name


# --- 3. the systemd units ---------------------------------------------------------------------

def test_each_server_has_its_own_unit_run_as_a_dedicated_user_and_hardened():
    found = units()
    server_units = {name: unit for name, unit in found.items()
                    if name.endswith(".service") and unit["Service"].get("Type", ["simple"]) == ["simple"]}
    assert len(server_units) == len(SERVERS), sorted(server_units)
    for name, unit in found.items():
        if not name.endswith(".service"):
            continue
        service = unit["Service"]
        assert service["User"][0] not in ("root", "0") and service["Group"], name
        assert service["WorkingDirectory"] == [INSTALL_DIR], name
        assert service["EnvironmentFile"] and all(path.startswith("/etc/") for path in service["EnvironmentFile"]), name
        assert service["NoNewPrivileges"] == ["yes"] and service["PrivateTmp"] == ["yes"], name
        assert service["ProtectSystem"] == ["strict"], name
        assert service["ReadWritePaths"] == [f"{INSTALL_DIR}/var"], name
    for name, unit in server_units.items():
        assert unit["Service"]["Restart"] == ["on-failure"], name


def test_each_unit_starts_a_command_that_exists(monkeypatch):
    started = {}
    for name, unit in units().items():
        if not name.endswith(".service"):
            continue
        env = unit_environment(unit)
        for line in unit["Service"].get("ExecStartPre", []):
            assert Path(shlex.split(line)[0]).is_absolute() and Path(shlex.split(line)[0]).exists(), line
        (exec_start,) = unit["Service"]["ExecStart"]
        argv = expand(exec_start, env)
        assert argv[0].startswith(f"{INSTALL_DIR}/.venv/bin/"), argv[0]
        started[name] = (*check_command(argv, monkeypatch), env)
    commands = {command: (name, args, env) for name, (command, args, env) in started.items()}
    assert set(commands) == {"rasa run actions", "rasa run", "bot web", "bot migrate", "bot purge"}, commands
    # Bound to 127.0.0.1 only: nginx is the way in.
    _, rasa, _ = commands["rasa run"]
    assert rasa.interface == "127.0.0.1"
    check_rasa_server_files(rasa)
    _, web, _ = commands["bot web"]
    assert web.host == "127.0.0.1"
    _, actions, actions_env = commands["rasa run actions"]
    assert actions_env["SANIC_HOST"] == "127.0.0.1"  # rasa-sdk binds to SANIC_HOST, it has no --interface
    assert actions.actions == "actions"


def test_the_servers_start_after_the_migration_and_the_purge_runs_daily():
    found = units()
    migrate = next(name for name, unit in found.items()
                   if name.endswith(".service") and " -m bot migrate" in unit["Service"]["ExecStart"][0])
    assert found[migrate]["Service"]["Type"] == ["oneshot"]
    for name, unit in found.items():
        if name.endswith(".service") and unit["Service"].get("Type", ["simple"]) == ["simple"]:
            assert migrate in " ".join(unit["Unit"].get("Requires", [])), name
            assert migrate in " ".join(unit["Unit"].get("After", [])), name
    timers = {name: unit for name, unit in found.items() if name.endswith(".timer")}
    assert len(timers) == 1
    (timer,) = timers.values()
    assert timer["Timer"]["OnCalendar"] and timer["Install"]["WantedBy"] == ["timers.target"]
    purge = timer["Timer"]["Unit"][0]
    assert found[purge]["Service"]["ExecStart"][0].endswith(" -m bot purge")


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_reads_the_units_without_a_complaint(tmp_path):
    """`systemd-analyze verify` on the units, moved to this checkout so their programs exist."""
    for path in SYSTEMD.iterdir():
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8").replace(INSTALL_DIR, str(ROOT)))
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", *sorted(str(p) for p in tmp_path.iterdir())],
                            capture_output=True, text=True, timeout=60)
    complaints = [line for line in (result.stdout + result.stderr).splitlines()
                  if re.search(r"Unknown|ignoring|not executable|Failed|Invalid|bad-setting", line)]
    assert result.returncode == 0 and not complaints, result.stdout + result.stderr


# --- 4. nginx ---------------------------------------------------------------------------------

def nginx_locations() -> Dict[str, str]:
    """`location` line -> its body, for the server blocks of nginx.conf (one level of braces inside)."""
    text = re.sub(r"#[^\n]*", "", NGINX_CONF.read_text(encoding="utf-8"))
    return {match[1].strip(): match[2] for match in
            re.finditer(r"location\s+([^{]+)\{((?:[^{}]|\{[^{}]*\})*)\}", text)}


def telegram_webhook_path() -> str:
    """Rasa serves a channel's blueprint under /webhooks/<channel name>/."""
    from bot.rasa_side.channels.telegram import TelegramInput
    source = (ROOT / "bot" / "rasa_side" / "channels" / "telegram.py").read_text(encoding="utf-8")
    route = re.search(r'telegram_webhook\.route\("(/webhook)", methods=\["POST"\]\)', source)
    assert route, "the Telegram connector's webhook route moved"
    return f"/webhooks/{TelegramInput.name()}{route[1]}"


def test_nginx_passes_only_socket_io_and_the_telegram_webhook_to_rasa():
    to_rasa = {location for location, body in nginx_locations().items() if "proxy_pass http://ptsd_bot_rasa" in body}
    assert to_rasa == {"^~ /socket.io/", f"= {telegram_webhook_path()}"}
    socket_io = nginx_locations()["^~ /socket.io/"]
    assert "proxy_set_header Upgrade $http_upgrade" in socket_io and "proxy_set_header Connection" in socket_io
    conf = NGINX_CONF.read_text(encoding="utf-8")
    assert "Strict-Transport-Security" in conf and re.search(r"client_max_body_size \d+[km];", conf)
    for variant, path in UPSTREAMS.items():
        assert set(re.findall(r"upstream (\w+)", path.read_text())) == {"ptsd_bot_rasa", "ptsd_bot_web"}, variant
    assert set(re.findall(r"server\s+([\d.]+):\d+;", UPSTREAMS["systemd"].read_text())) == {"127.0.0.1"}


def _nginx() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/sbin/nginx") if Path(p).exists()), None)
    if not found:
        pytest.skip("nginx is not installed (.ci/run installs it)")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_test_config(nginx: str, folder: Path, upstreams: str, http_port: int = 80, https_port: int = 443) -> Path:
    """nginx.conf inside a main config of its own, with every path under `folder` and a
    self-signed certificate made with openssl."""
    tls = folder / "tls"
    tls.mkdir()
    openssl = shutil.which("openssl")
    assert openssl, "openssl is needed to make the test certificate (.ci/run installs it)"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=bot.clinic.example", "-keyout", str(tls / "privkey.pem"),
                    "-out", str(tls / "fullchain.pem")], check=True, capture_output=True, timeout=60)
    (folder / "upstreams.conf").write_text(upstreams)
    (folder / "acme").mkdir()
    site = (NGINX_CONF.read_text(encoding="utf-8")
            .replace("/etc/nginx/ptsd-bot/upstreams.conf", str(folder / "upstreams.conf"))
            .replace("/etc/nginx/ptsd-bot/tls/", f"{tls}/")
            .replace("/var/log/nginx/access.log", str(folder / "access.log"))
            .replace("/var/www/acme", str(folder / "acme"))
            .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
            .replace("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"))
    assert "/etc/nginx/" not in re.sub(r"#[^\n]*", "", site), "a path of the real installation is left"
    (folder / "site.conf").write_text(site)
    # Temporary files under folder, for each module this nginx was built with.
    built = subprocess.run([nginx, "-V"], capture_output=True, text=True).stderr
    temp_paths = "".join(f"    {module}_temp_path {folder / module};\n"
                         for module in re.findall(r"--http-([a-z_-]+)-temp-path=", built)
                         for module in [module.replace("-", "_")])
    main = folder / "nginx.conf"
    main.write_text(f"""pid {folder / 'nginx.pid'};
error_log {folder / 'error.log'} info;
events {{ worker_connections 64; }}
http {{
{temp_paths}    access_log off;
    include {folder / 'site.conf'};
}}
""")
    return main


@pytest.mark.parametrize("variant", sorted(UPSTREAMS))
def test_nginx_accepts_the_configuration(tmp_path, variant):
    nginx = _nginx()
    upstreams = UPSTREAMS[variant].read_text()
    if variant == "compose":  # the service names resolve only on the compose network
        upstreams = re.sub(r"server\s+[a-z]+:", "server 127.0.0.1:", upstreams)
    main = write_test_config(nginx, tmp_path, upstreams, _free_port(), _free_port())
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(main)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


class _StandIn(BaseHTTPRequestHandler):
    """Answers every request with who it is and what it received."""
    name = "?"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = json.dumps({"upstream": self.name, "path": self.path,
                           "headers": {k.lower(): v for k, v in self.headers.items()}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def stand_ins() -> Iterator[Dict[str, int]]:
    servers = {}
    for name in ("rasa", "web"):
        handler = type(f"StandIn_{name}", (_StandIn,), {"name": name})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers[name] = server
    yield {name: server.server_address[1] for name, server in servers.items()}
    for server in servers.values():
        server.shutdown()
        server.server_close()


def test_nginx_routes_widget_staff_and_telegram_and_keeps_rasas_api_private(tmp_path, stand_ins):
    nginx = _nginx()
    http_port, https_port = _free_port(), _free_port()
    upstreams = (UPSTREAMS["systemd"].read_text()
                 .replace("127.0.0.1:5005", f"127.0.0.1:{stand_ins['rasa']}")
                 .replace("127.0.0.1:8000", f"127.0.0.1:{stand_ins['web']}"))
    main = write_test_config(nginx, tmp_path, upstreams, http_port, https_port)
    process = subprocess.Popen([nginx, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(main),
                                "-g", "daemon off; master_process off;"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, \
                    (tmp_path / "error.log").read_text() if (tmp_path / "error.log").exists() else "nginx did not start"
                time.sleep(0.1)
        base = f"https://127.0.0.1:{https_port}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the test certificate is self-signed
            session = requests.Session()
            session.trust_env = False  # no proxy, and no CA bundle from the environment overriding verify
            session.verify = False
            session.headers["Host"] = "bot.clinic.example"

            def upstream(response: requests.Response):
                return response.json()["upstream"] if response.status_code == 200 else response.status_code

            plain = session.get(f"http://127.0.0.1:{http_port}/staff", allow_redirects=False, timeout=5)
            assert plain.status_code == 301 and plain.headers["Location"] == "https://bot.clinic.example/staff"

            # socket.io: to Rasa, with the WebSocket upgrade passed on.
            upgrade = session.get(f"{base}/socket.io/?EIO=4&transport=websocket", timeout=5,
                                  headers={"Upgrade": "websocket", "Connection": "Upgrade"})
            assert upstream(upgrade) == "rasa"
            seen = upgrade.json()["headers"]
            assert seen["upgrade"] == "websocket" and seen["connection"].lower() == "upgrade"
            assert seen["x-forwarded-proto"] == "https"
            assert upgrade.headers["Strict-Transport-Security"].startswith("max-age=")

            # Telegram: POST only, to Rasa.
            webhook = telegram_webhook_path()
            assert upstream(session.post(f"{base}{webhook}", json={"update_id": 1}, timeout=5)) == "rasa"
            assert session.get(f"{base}{webhook}", timeout=5).status_code == 403

            # The web app: demo page, widget, staff console and API, the erase call.
            for path in ("/", "/widget/chat-widget.js", "/staff", "/staff/api/handoffs", "/health"):
                assert upstream(session.get(f"{base}{path}", timeout=5)) == "web", path
            assert upstream(session.post(f"{base}/api/conversations/erase", json={}, timeout=5)) == "web"
            assert upstream(session.post(f"{base}/staff/api/login", json={}, timeout=5)) == "web"

            # Rasa's HTTP API and its other channels: never passed on.
            for path in ("/model/parse", "/conversations/x/tracker", "/conversations/x/tracker/events", "/status",
                         "/version", "/webhooks/rest/webhook", "/webhooks/telegram/", "/domain", "/model"):
                for method in ("GET", "POST"):
                    answer = session.request(method, f"{base}{path}", timeout=5)
                    assert answer.status_code in (403, 404), (method, path, answer.status_code)

            too_big = session.post(f"{base}/staff/api/login", data=b"x" * (2 * 1024 * 1024), timeout=10,
                                   headers={"Content-Type": "application/json"})
            assert too_big.status_code == 413
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
