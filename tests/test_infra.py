"""Deployment files: every terraform/*.tf parses, and the properties we rely on hold.

``terraform init``/``validate`` need the provider registry, which CI cannot reach, so these tests
parse the HCL with python-hcl2 (a syntax error cannot land) and check the safety properties from
the parsed blocks: Redis encrypted and authenticated, credentials only through task ``secrets``,
HTTPS on 443 with the certificate variable, drain-length deregistration, health checks on a real
route. The Dockerfile and .dockerignore are checked against pyproject.toml and the app's routes.
``make lint`` runs the linters (hadolint, checkov, terraform fmt) on the same files.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import hcl2
import pytest
from hcl2.utils import SerializationOptions

ROOT = Path(__file__).resolve().parent.parent
TF_DIR = ROOT / "terraform"
TF_FILES = sorted(TF_DIR.glob("*.tf"))
OPTIONS = SerializationOptions(strip_string_quotes=True)

#: Every credential the gateway reads; none may reach a container as plain environment.
CREDENTIALS = {
    "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "GATEWAY_API_KEYS", "OPENAI_API_KEY", "DEEPGRAM_API_KEY",
    "CARTESIA_API_KEY", "LLM_API_KEY", "AMADEUS_CLIENT_ID", "AMADEUS_CLIENT_SECRET", "SERPAPI_API_KEY", "KEY_ID_SECRET", "REDIS_URL",
}


def _load(path: Path) -> dict:
    with open(path) as f:
        return hcl2.load(f, serialization_options=OPTIONS)


@pytest.fixture(scope="module")
def tf() -> dict:
    """All .tf files merged: {"resource": {type: {name: body}}, "data": ..., "variable": {name: body},
    "locals": {name: value}, "output": {name: body}}."""
    merged: dict[str, dict] = {"resource": {}, "data": {}, "variable": {}, "locals": {}, "output": {}}
    for path in TF_FILES:
        doc = _load(path)
        for kind in ("resource", "data"):
            for entry in doc.get(kind, []):
                for rtype, named in entry.items():
                    for name, body in named.items():
                        assert name not in merged[kind].setdefault(rtype, {}), f"duplicate {rtype}.{name}"
                        merged[kind][rtype][name] = body
        for kind in ("variable", "output"):
            for entry in doc.get(kind, []):
                merged[kind].update(entry)
        for entry in doc.get("locals", []):
            merged["locals"].update({k: v for k, v in entry.items() if not k.startswith("__")})
    return merged


def _resolve(tf: dict, value):
    """A literal, or the literal behind a bare ``${var.X}`` (its default) or ``${local.X}``."""
    if isinstance(value, str):
        m = re.fullmatch(r"\$\{(var|local)\.(\w+)\}", value)
        if m and m.group(1) == "var":
            return _resolve(tf, tf["variable"][m.group(2)]["default"])
        if m:
            return _resolve(tf, tf["locals"][m.group(2)])
    return value


def _app_routes() -> set[str]:
    """Paths the gateway answers with GET (from its OpenAPI document; no models are loaded)."""
    from gateway.app import create_app
    from gateway.settings import Settings

    paths = create_app(Settings(_env_file=None)).openapi()["paths"]
    return {path for path, methods in paths.items() if "get" in methods}


@pytest.mark.parametrize("path", TF_FILES, ids=lambda p: p.name)
def test_every_tf_file_parses(path):
    doc = _load(path)
    assert doc, f"{path.name} is empty"


def test_the_module_has_the_expected_pieces(tf):
    res = tf["resource"]
    for rtype in ("aws_ecs_service", "aws_ecs_task_definition", "aws_lb", "aws_lb_listener",
                  "aws_lb_target_group", "aws_elasticache_replication_group", "aws_secretsmanager_secret",
                  "aws_cloudwatch_log_group", "aws_appautoscaling_policy", "aws_iam_role"):
        assert rtype in res, f"no {rtype}"
    for var in ("vpc_id", "public_subnet_ids", "private_subnet_ids", "certificate_arn", "public_host"):
        assert "default" not in tf["variable"][var], f"{var} must be given by the operator"


def test_redis_is_encrypted_in_transit_and_at_rest_with_auth(tf):
    (redis,) = tf["resource"]["aws_elasticache_replication_group"].values()
    assert redis["at_rest_encryption_enabled"] is True
    assert redis["transit_encryption_enabled"] is True
    assert redis["transit_encryption_mode"] == "required"
    assert redis["auth_token"] == "${random_password.redis_auth.result}"
    assert redis["automatic_failover_enabled"] is True
    url = tf["resource"]["aws_secretsmanager_secret_version"]["redis_url"]["secret_string"]
    assert url.startswith("rediss://:${random_password.redis_auth.result}@"), "REDIS_URL must use TLS and AUTH"


def test_alb_serves_https_on_443_with_the_certificate_variable(tf):
    listeners = tf["resource"]["aws_lb_listener"]
    assert listeners, "no listener"
    for name, listener in listeners.items():
        assert listener["port"] == 443 and listener["protocol"] == "HTTPS", f"listener {name} is not HTTPS:443"
        assert listener["certificate_arn"] == "${var.certificate_arn}"
        assert listener["ssl_policy"].startswith("ELBSecurityPolicy-TLS13")
    ingress = tf["resource"]["aws_vpc_security_group_ingress_rule"]["alb_https"]
    assert (ingress["from_port"], ingress["to_port"]) == (443, 443)


def test_websocket_idle_timeout_and_drain_length_deregistration(tf):
    (alb,) = tf["resource"]["aws_lb"].values()
    assert _resolve(tf, alb["idle_timeout"]) >= 3600, "calls last minutes: the ALB must not cut a stream"
    (tg,) = tf["resource"]["aws_lb_target_group"].values()
    assert tg["deregistration_delay"] == "${var.drain_timeout_secs}"
    assert _resolve(tf, tg["deregistration_delay"]) == 600
    env = tf["locals"]["gateway_environment"]
    assert "DRAIN_TIMEOUT_SECS = tostring(max(var.stop_timeout_secs - 15, 0))" in env
    assert 0 < _resolve(tf, "${var.stop_timeout_secs}") <= 120, "Fargate allows at most 120 s to SIGKILL"


def test_target_group_health_check_is_a_real_readiness_route(tf):
    (tg,) = tf["resource"]["aws_lb_target_group"].values()
    (check,) = tg["health_check"]
    path = _resolve(tf, check["path"])
    assert path in _app_routes()
    assert check["matcher"] == "200"


def test_credentials_reach_the_task_only_as_secrets(tf):
    envs = set(tf["locals"]["vendor_secret_envs"])
    assert envs | {"REDIS_URL"} == CREDENTIALS
    (task,) = tf["resource"]["aws_ecs_task_definition"].values()
    containers = task["container_definitions"]
    assert "secrets = local.gateway_secrets" in containers
    # The plain environment: the gateway's map (plus var.environment, whose validation refuses
    # credentials) and the sidecar's collector config.
    plain = tf["locals"]["gateway_environment"] + containers
    for name in CREDENTIALS:
        assert name not in plain, f"{name} appears in a container's plain environment"
    condition = tf["variable"]["environment"]["validation"][0]["condition"]
    for name in CREDENTIALS:
        assert f'"{name}"' in condition, f"var.environment does not refuse {name}"
    for name, secret in tf["resource"]["aws_secretsmanager_secret"].items():
        assert secret["kms_key_id"] == "${aws_kms_key.main.arn}", f"secret {name} not on the CMK"
        assert "secret_string" not in secret


def test_every_secret_setting_is_a_terraform_secret():
    from pydantic import SecretStr

    from gateway.settings import Settings

    secret_fields = {name.upper() for name, field in Settings.model_fields.items()
                     if SecretStr in getattr(field.annotation, "__args__", (field.annotation,))}
    assert secret_fields, "expected SecretStr settings"
    assert secret_fields <= CREDENTIALS, f"not in Secrets Manager: {secret_fields - CREDENTIALS}"


def test_execution_role_reads_only_the_injected_secrets(tf):
    docs = tf["data"]["aws_iam_policy_document"]
    statements = {s["sid"]: s for s in docs["execution"]["statement"]}
    assert statements["ReadInjectedSecrets"]["actions"] == ["secretsmanager:GetSecretValue"]
    assert statements["ReadInjectedSecrets"]["resources"] == "${local.secret_arns}"
    for doc_name in ("execution", "task"):
        for st in docs[doc_name]["statement"]:
            if st["resources"] == ["*"]:
                assert st["actions"] == ["ecr:GetAuthorizationToken"], f"{doc_name}/{st['sid']} on '*'"
            assert not any(a.endswith(":*") or a == "*" for a in st["actions"]), f"{doc_name}/{st['sid']} wildcard"


def test_autoscaling_tracks_active_calls_per_task_and_cpu(tf):
    policies = tf["resource"]["aws_appautoscaling_policy"]
    calls = policies["calls"]["target_tracking_scaling_policy_configuration"][0]
    (metric,) = calls["customized_metric_specification"]
    assert metric["metric_name"] == "gateway_active_calls" and metric["statistic"] == "Average"
    cpu = policies["cpu"]["target_tracking_scaling_policy_configuration"][0]
    assert cpu["predefined_metric_specification"][0]["predefined_metric_type"] == "ECSServiceAverageCPUUtilization"
    from gateway import metrics

    assert "gateway_active_calls" in {m.name for m in metrics.REGISTRY.collect()}
    assert "gateway_active_calls" in tf["locals"]["adot_config"]


def test_checkov_skips_carry_a_reason():
    skips = []
    for path in [*TF_FILES, ROOT / "Dockerfile"]:
        for line in path.read_text().splitlines():
            if "checkov:skip=" in line:
                skips.append((path.name, line.strip()))
                assert re.search(r"checkov:skip=CKV2?_[A-Z0-9]+_\d+:\S.{20,}", line), f"{path.name}: {line.strip()}"
    assert skips, "expected the justified skips documented in terraform/README.md"


# --- Dockerfile ---------------------------------------------------------------------------------


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped."""
    out, buf = [], ""
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        word, _, rest = buf.partition(" ")
        out.append((word.upper(), rest.strip()))
        buf = ""
    return out


def test_dockerfile_runs_the_gateway_as_non_root_with_a_readiness_healthcheck():
    instr = _dockerfile()
    froms = [a for i, a in instr if i == "FROM"]
    assert len(froms) >= 2 and all(a.startswith("python:3.11-slim") for a in froms), froms
    runtime = instr[max(n for n, (i, _) in enumerate(instr) if i == "FROM"):]
    users = [a for i, a in runtime if i == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root"), "the runtime stage must drop root"
    assert ("STOPSIGNAL", "SIGTERM") in runtime
    (entry,) = [a for i, a in runtime if i == "ENTRYPOINT"]
    assert entry == '["python", "-m", "gateway", "serve", "--host", "0.0.0.0"]'
    (health,) = [a for i, a in runtime if i == "HEALTHCHECK"]
    path = re.search(r"\}(/health[\w/]*)", health).group(1)
    assert path in _app_routes()
    env = " ".join(a for i, a in runtime if i == "ENV")
    assert "MODEL_CACHE_DIR=/opt/models" in env
    build = " ".join(a for i, a in instr if i == "RUN")
    assert "whisper_base_dir(Path('/opt/models'))" in build, "the Whisper base join must run at build time"
    assert "espeak-ng" in " ".join(a for i, a in runtime if i == "RUN")


def test_image_contains_every_package_pyproject_ships():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    includes = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    top_level = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench", "testkit"}  # test support is not shipped
    packaged = {name for name in top_level if any(re.fullmatch(pat.replace("*", ".*"), name) for pat in includes)}
    assert packaged == top_level, f"packages missing from pyproject.toml: {top_level - packaged}"
    copies = {shlex.split(a)[0].rstrip("/") for i, a in _dockerfile() if i == "COPY" and not a.startswith("--from")}
    allowed = {line[1:].rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines() if line.startswith("!")}
    for name in packaged:
        assert name in copies, f"Dockerfile does not COPY {name}/"
        assert name in allowed, f".dockerignore does not let {name}/ into the build context"
