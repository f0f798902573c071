"""`replika dev`, `replika demo`, `replika token`, `replika import`: the local stack.

`dev` starts an embedded moto server on 127.0.0.1, creates the region stack from
`templates/region.yaml` through moto's CloudFormation (plus the resource types moto skips, from the
same template), creates one demo user per role in the user pool, seeds the demo organisation and
serves every enabled app on one port through the verifying local gateway.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import secrets
import sys
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import boto3

from replika.core.auth import Role
from replika.core.config import RegionConfig, load_region_config, region_config_path
from replika_infra.demo import seed
from replika_infra.local.fake_aws import FAKE_AWS_ENV

ROOT = Path(__file__).resolve().parents[3]
STATE_FILE = ROOT / ".replika" / "dev.json"
DEMO_PASSWORD = "Demo-Pass-2026!"  # noqa: S105 - local demo users only
LOCAL_ENV = FAKE_AWS_ENV

# Which seeded OPD (index into the demo list) each demo user works in.
DEMO_USERS: dict[str, tuple[str, int, str]] = {
    # username: (group, opd index, "head" | "chief" | "staff")
    "demo-admin": (Role.ADMIN, 16, "staff"),
    "demo-bkpsdm": (Role.BKPSDM, 5, "staff"),
    "demo-bpkad": (Role.BPKAD, 4, "staff"),
    "demo-pegawai": (Role.PEGAWAI, 8, "staff"),
    "demo-atasan": (Role.PEGAWAI, 8, "chief"),
    "demo-inspektorat-kepala": (Role.INSPEKTORAT_KEPALA, 2, "head"),
    "demo-inspektorat": (Role.INSPEKTORAT, 2, "staff"),
    "demo-bappeda": (Role.BAPPEDA, 3, "staff"),
    "demo-dpmptsp": (Role.DPMPTSP, 15, "staff"),
    # the head of DPMPTSP: the region's signing official (kota-bandung.toml perizinan.official_nip)
    "demo-kepala-dpmptsp": (Role.DPMPTSP, 15, "head"),
    "demo-tapd": (Role.TAPD, 4, "head"),
    "demo-kepala-daerah": (Role.KEPALA_DAERAH, 0, "head"),
    "demo-tu": (Role.PEGAWAI, 0, "staff"),  # Sabilulungan's administrative check (tu_opd)
    "demo-dinsos": (Role.PEGAWAI, 9, "staff"),  # enters individual bansos recipients (bansos_opds)
}
#: the key of ``DevState.users`` (``replika token --role <key>``) where it is not the group
USER_KEYS = {
    "demo-kepala-dpmptsp": "kepala-dpmptsp",
    "demo-atasan": "atasan",
    "demo-tu": "tu",
    "demo-dinsos": "dinsos",
}
#: Applicants of the self sign-up pool (username = e-mail): organisations and businesses.
DEMO_APPLICANTS: dict[str, tuple[str, str]] = {
    # key: (e-mail, name)
    "pemohon": ("yayasan.nurul.huda@demo.invalid", "Yayasan Nurul Huda"),
    "pemohon-usaha": ("warung.ceu.euis@demo.invalid", "Euis Rahayu"),
}


@dataclass
class DevState:
    endpoint: str
    gateway: str
    region: str
    user_pool_id: str
    client_id: str
    env: dict[str, str]
    users: dict[str, dict[str, str]] = field(default_factory=dict)

    def save(self) -> None:
        STATE_FILE.parent.mkdir(exist_ok=True)
        STATE_FILE.write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls) -> DevState:
        if not STATE_FILE.exists():
            raise SystemExit("Local stack is not running: start it with `make demo` or `replika dev`.")
        return cls(**json.loads(STATE_FILE.read_text()))


def use_stack_environment(*, aws: bool) -> bool:
    """Point botocore/PynamoDB at the running local stack (its state file) unless ``aws``, where the
    environment already names the real resources; True when local. For CLI commands that work on
    a stack's data (``replika payroll``, ``replika audit``)."""
    local = STATE_FILE.exists() and not aws
    if local:
        state = DevState.load()
        os.environ.update(LOCAL_ENV)
        os.environ["AWS_ENDPOINT_URL"] = state.endpoint
        os.environ.update(state.env)
    elif not aws:
        raise SystemExit("Local stack is not running: start it with `make demo`, or pass --aws.")
    from replika.core.runtime import rebind_tables

    rebind_tables()
    return local


def pick_demo_employees(employees: list[seed.SeedEmployee], region_kode: str) -> dict[str, seed.SeedEmployee]:
    by_opd: dict[str, list[seed.SeedEmployee]] = {}
    for e in employees:
        by_opd.setdefault(e.opd_code, []).append(e)
    chosen: dict[str, seed.SeedEmployee] = {}
    used: set[str] = set()
    for username, (_, index, rank) in DEMO_USERS.items():
        staff = by_opd[seed.opd_code(region_kode, index)]
        head = staff[0]
        if rank == "head":
            e = head
        elif rank == "chief":
            # the supervisor of the demo-pegawai user, so approvals can be tried end to end
            e = next(x for x in staff if x.nip == chosen["demo-pegawai"].supervisor_nip)
        else:
            e = next(
                x for x in staff if x.supervisor_nip and x.supervisor_nip != head.nip and x.nip not in used
            )
        used.add(e.nip)
        chosen[username] = e
    return chosen


def create_demo_users(pool_id: str, picks: dict[str, seed.SeedEmployee]) -> dict[str, dict[str, str]]:
    idp = boto3.client("cognito-idp")
    users: dict[str, dict[str, str]] = {}
    for username, (group, _, _) in DEMO_USERS.items():
        e = picks[username]
        with contextlib.suppress(idp.exceptions.UsernameExistsException):
            idp.admin_create_user(
                UserPoolId=pool_id,
                Username=username,
                MessageAction="SUPPRESS",
                UserAttributes=[
                    {"Name": "email", "Value": f"{username}@demo.invalid"},
                    {"Name": "custom:nip", "Value": e.nip},
                    {"Name": "custom:opd", "Value": e.opd_code},
                ],
            )
        idp.admin_set_user_password(
            UserPoolId=pool_id, Username=username, Password=DEMO_PASSWORD, Permanent=True
        )
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=str(group))
        users[USER_KEYS.get(username, str(group))] = {
            "username": username,
            "nip": e.nip,
            "opd": e.opd_code,
            "name": e.name,
        }
    return users


def create_demo_applicants(pool_id: str) -> dict[str, dict[str, str]]:
    """The applicants' pool's demo accounts (confirmed, e-mail verified), as self sign-up leaves
    them once the e-mail code is entered."""
    idp = boto3.client("cognito-idp")
    users: dict[str, dict[str, str]] = {}
    for key, (email, name) in DEMO_APPLICANTS.items():
        with contextlib.suppress(idp.exceptions.UsernameExistsException):
            idp.admin_create_user(
                UserPoolId=pool_id,
                Username=email,
                MessageAction="SUPPRESS",
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                    {"Name": "name", "Value": name},
                ],
            )
        idp.admin_set_user_password(
            UserPoolId=pool_id, Username=email, Password=DEMO_PASSWORD, Permanent=True
        )
        attrs = idp.admin_get_user(UserPoolId=pool_id, Username=email)["UserAttributes"]
        sub = next(a["Value"] for a in attrs if a["Name"] == "sub")
        users[key] = {"username": email, "sub": sub, "pool": "public", "nip": "", "opd": "", "name": name}
    return users


def id_token(state: DevState, role: str) -> str:
    user = state.users.get(role)
    if user is None:
        raise SystemExit(f"No demo user for role {role!r}; roles: {', '.join(sorted(state.users))}")
    public = user.get("pool") == "public"
    idp = boto3.client(
        "cognito-idp",
        endpoint_url=state.endpoint,
        region_name=state.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto's fake credentials
    )
    out = idp.initiate_auth(
        ClientId=state.env["PUBLIC_USER_POOL_CLIENT_ID"] if public else state.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user["username"], "PASSWORD": DEMO_PASSWORD},
    )
    return str(out["AuthenticationResult"]["IdToken"])


@dataclass
class LocalStack:
    """A running local region: moto server, provisioned stack, seeded data, gateway."""

    config: RegionConfig
    state: DevState
    moto: Any
    server: Any

    saved_env: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        from replika.core.runtime import rebind_tables

        self.server.shutdown()
        self.moto.stop()
        STATE_FILE.unlink(missing_ok=True)
        os.environ.clear()
        os.environ.update(self.saved_env)
        rebind_tables()


def start_local_stack(
    config: RegionConfig,
    *,
    port: int = 8000,
    moto_port: int = 5000,
    seed_data: bool = True,
    n_employees: int = 2000,
) -> LocalStack:
    from moto.server import ThreadedMotoServer

    from replika_infra.local import moto_patches

    moto_patches.install()

    saved_env = dict(os.environ)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto server's access log
    # The gateway verifies tokens itself; Chalice's "authorizer not supported locally" is noise here.
    warnings.filterwarnings("ignore", message="CognitoUserPoolAuthorizer is not a supported")
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    moto.start()
    try:
        return _stack_on(config, moto, moto_port, port, seed_data, n_employees, saved_env)
    except BaseException:  # a stack that did not come up leaves nothing behind: server, env
        moto.stop()
        os.environ.clear()
        os.environ.update(saved_env)
        from replika.core.runtime import rebind_tables

        rebind_tables()
        raise


def _stack_on(
    config: RegionConfig,
    moto: Any,
    moto_port: int,
    port: int,
    seed_data: bool,
    n_employees: int,
    saved_env: dict[str, str],
) -> LocalStack:
    from replika_infra.local import gateway
    from replika_infra.local.stack import create_region_stack, parameters_for, stack_env

    endpoint = f"http://127.0.0.1:{moto_port}"
    os.environ.update(LOCAL_ENV)
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    outputs = create_region_stack(
        f"replika-{config.slug}",
        parameters_for({a.value for a in config.enabled_apps}, config.slug, "local"),
        endpoint_url=endpoint,
    )
    env = stack_env(outputs)
    env.update(
        {
            "REPLIKA_STAGE": "local",
            "REPLIKA_REGION_SLUG": config.slug,
            "REPLIKA_REGION_CONFIG": str(region_config_path(config.slug)),
            "POWERTOOLS_METRICS_NAMESPACE": "Replika",
            "POWERTOOLS_DEV": "false",
            # `replika deploy` generates it for a region; locally one per stack (every function's
            # manifest requires it: the runtime refuses to start without it)
            "CURSOR_SECRET": os.environ.get("CURSOR_SECRET") or secrets.token_urlsafe(32),
        }
    )
    os.environ.update(env)
    from replika.core.runtime import rebind_tables

    rebind_tables()
    employees = seed.demo_employees(config.kode, n_employees=n_employees)
    users: dict[str, dict[str, str]] = {}
    if seed_data:
        from replika.directory import service
        from replika_infra.progress import Counter

        with Counter("seeding the directory: items written") as bar:
            service.import_directory(seed.to_csv(employees), actor="seed", on_progress=bar.update)
        users = create_demo_users(env["USER_POOL_ID"], pick_demo_employees(employees, config.kode))
        if env.get("PUBLIC_USER_POOL_ID"):
            users.update(create_demo_applicants(env["PUBLIC_USER_POOL_ID"]))
    apps = {
        name: gateway.load_app(name)
        for name in gateway.app_names()
        if name == "directory" or config.enabled(name)
    }
    region = os.environ["AWS_DEFAULT_REGION"]
    verifier = gateway.PoolVerifiers(
        tuple(
            gateway.TokenVerifier(
                jwks_url=f"{endpoint}/{env[pool]}/.well-known/jwks.json",
                issuer=f"https://cognito-idp.{region}.amazonaws.com/{env[pool]}",
                audience=env[client],
            )
            for pool, client in (
                ("USER_POOL_ID", "USER_POOL_CLIENT_ID"),
                ("PUBLIC_USER_POOL_ID", "PUBLIC_USER_POOL_CLIENT_ID"),
            )
            if env.get(pool) and env.get(client)
        )
    )
    server = gateway.serve(gateway.Gateway(apps, verifier), port=port)
    state = DevState(
        endpoint=endpoint,
        gateway=f"http://127.0.0.1:{port}",
        region=region,
        user_pool_id=env["USER_POOL_ID"],
        client_id=env["USER_POOL_CLIENT_ID"],
        env=env,
        users=users,
    )
    state.save()
    return LocalStack(config=config, state=state, moto=moto, server=server, saved_env=saved_env)


def _load_config(args: argparse.Namespace) -> RegionConfig:
    return load_region_config(args.region_config or region_config_path("kota-bandung"))


def cmd_dev(args: argparse.Namespace, *, demo: bool = False) -> int:
    config = _load_config(args)
    t0 = time.perf_counter()
    stack = start_local_stack(config, port=args.port, moto_port=args.moto_port)
    print(
        f"{config.name} ({config.kode}, {config.timezone}) local stack ready in "
        f"{time.perf_counter() - t0:.1f} s"
    )
    period = None
    if demo and config.enabled("remunerasi"):
        from replika_infra.demo.demo_payroll import run_demo_payroll

        users = stack.state.users
        pegawai = users.get("pegawai", {}).get("nip")
        log_opds = frozenset(users[r]["opd"] for r in ("pegawai", "bkpsdm") if r in users)
        period = run_demo_payroll(config, seed.demo_employees(config.kode), pegawai, log_opds)
    sakip = None
    if demo and config.enabled("sakip"):
        from replika_infra.demo import demo_sakip

        users = stack.state.users
        t1 = time.perf_counter()
        erk_opds = (
            frozenset(users[r]["opd"] for r in ("pegawai", "bkpsdm") if r in users) if period else frozenset()
        )
        sakip = demo_sakip.seed_sakip(
            config,
            seed.demo_employees(config.kode),
            erk_opds=erk_opds,
            demo_opd=users.get("pegawai", {}).get("opd"),
        )
        print(
            f"e-SAKIP {sakip.period}: {sakip.nodes} cascade nodes (XLSX import), {sakip.realised} quarters "
            f"of {sakip.year} realised (Q{' and Q'.join(map(str, sakip.quarters))}), LKE {sakip.lke_year} "
            f"{sakip.lke_score} ({sakip.lke_grade}) published, {sakip.minutes:,} E-RK minutes linked "
            f"in {', '.join(sakip.linked_opds) or 'no OPD'} ({time.perf_counter() - t1:.1f} s)"
        )
    sabi = None
    if demo and config.enabled("sabilulungan"):
        from replika_infra.demo import demo_sabilulungan

        t1 = time.perf_counter()
        sabi = demo_sabilulungan.seed_sabilulungan(config, stack.state.users)
        print(
            f"Sabilulungan: {sabi.proposals} proposals over {', '.join(map(str, sabi.years))} "
            f"({time.perf_counter() - t1:.1f} s)"
        )
    hayu = None
    if demo and config.enabled("perizinan"):
        from replika_infra.demo import demo_perizinan

        t1 = time.perf_counter()
        hayu = demo_perizinan.seed_perizinan(config, stack.state.users)
        print(f"Hayu: {hayu.applications} applications over a month ({time.perf_counter() - t1:.1f} s)")
    if demo:
        print_demo_guide(stack)
    if period:
        from replika_infra.demo.demo_payroll import print_guide

        print_guide(stack.state.gateway, period)
    if sakip is not None:
        from replika_infra.demo import demo_sakip

        demo_sakip.print_guide(stack.state.gateway, sakip, stack.state.users)
    if sabi is not None:
        from replika_infra.demo import demo_sabilulungan

        demo_sabilulungan.print_guide(stack.state.gateway, sabi)
    if hayu is not None:
        from replika_infra.demo import demo_perizinan

        demo_perizinan.print_guide(stack.state.gateway, hayu, config)
    if args.exit_after_setup:
        stack.stop()
        return 0
    print(f"Serving on {stack.state.gateway} — Ctrl-C to stop.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
    return 0


def print_demo_guide(stack: LocalStack) -> None:
    gw = stack.state.gateway
    print("\nDemo users (group -> NIP, OPD):")
    for role, u in sorted(stack.state.users.items()):
        print(f"  {role:20s} {u['nip']}  {u['opd']}  {u['name']}")
    print("\nTry (in another terminal):")
    print("  TOKEN=$(.venv/bin/replika token --role bkpsdm)")
    print(f'  curl -s -H "Authorization: Bearer $TOKEN" "{gw}/directory/opds?limit=5"')
    print(f'  curl -s -H "Authorization: Bearer $TOKEN" "{gw}/directory/employees?limit=5"')
    print(f'  curl -s -H "Authorization: Bearer $(.venv/bin/replika token --role pegawai)" {gw}/directory/me')
    print(f"  curl -s {gw}/directory/openapi.json")
    if stack.config.enabled("wbs"):
        print("\nWBS (whistle-blowing) — report without an account, follow it with the receipt:")
        print(f"  curl -s -X POST {gw}/wbs/reports -H 'Content-Type: application/json' -d '{{\"category\":")
        print('    "gratifikasi","what":"Uang pelicin untuk izin gudang","who":{"name":"Fulan"},')
        print('    "where":"Loket 2","when":"Maret 2026","how":"Diminta lisan"}\'  # keep the receipt')
        print(f"  curl -s -X POST {gw}/wbs/reporter/session -H 'Content-Type: application/json' \\")
        print('    -d \'{"receipt":"<receipt>"}\'                        # -> token (15 minutes)')
        print(f'  curl -s -H "X-Wbs-Token: <token>" {gw}/wbs/reporter/report')
        print("  HEAD=$(.venv/bin/replika token --role inspektorat-kepala)")
        print("  H=$(.venv/bin/replika token --role inspektorat)")
        print(f'  curl -s -H "Authorization: Bearer $HEAD" "{gw}/wbs/reports?status=received"')
        insp = stack.state.users.get("inspektorat", {}).get("nip", "<nip>")
        print('  curl -s -X POST -H "Authorization: Bearer $HEAD" -H "Content-Type: application/json" \\')
        print(f'    {gw}/wbs/reports/<id>/assign -d \'{{"handler_nip":"{insp}"}}\'')
        print(f'  curl -s -H "Authorization: Bearer $H" {gw}/wbs/reports/<id>')
        print('  curl -s -X POST -H "Authorization: Bearer $H" -H "Content-Type: application/json" \\')
        print(f'    {gw}/wbs/reports/<id>/messages -d \'{{"text":"Siapa saksinya?"}}\'')
        print(f'  curl -s -H "X-Wbs-Token: <token>" {gw}/wbs/reporter/messages')
        print("  # status: verification -> investigation -> closed, each:")
        print('  curl -s -X POST -H "Authorization: Bearer $H" -H "Content-Type: application/json" \\')
        print(f'    {gw}/wbs/reports/<id>/status -d \'{{"to":"verification"}}\'')
        print(f'  curl -s -H "Authorization: Bearer $HEAD" "{gw}/wbs/reports/<id>/audit?limit=100"')


def cmd_token(args: argparse.Namespace) -> int:
    print(id_token(DevState.load(), args.role))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    if STATE_FILE.exists() and not args.aws:
        state = DevState.load()
        os.environ.update(LOCAL_ENV)
        os.environ["AWS_ENDPOINT_URL"] = state.endpoint
        os.environ.update(state.env)
    from replika.core.errors import AppError
    from replika.directory import service
    from replika_infra.progress import Counter

    data = Path(args.file).read_bytes()
    try:
        with Counter("import: items written", stream=sys.stderr) as bar:
            result = service.import_directory(
                data,
                actor=f"cli:{os.environ.get('USER', 'unknown')}",
                dry_run=args.dry_run,
                on_progress=bar.update,
            )
    except AppError as err:
        print(json.dumps(err.body(), indent=2, ensure_ascii=False))
        return 1
    print(result.model_dump_json(indent=2))
    return 0


def register(sub: Any) -> None:
    for name, demo in (("dev", False), ("demo", True)):
        p = sub.add_parser(name, help="start the local stack" + (" and print a guide" if demo else ""))
        p.add_argument("--region-config", type=Path, default=None)
        p.add_argument("--port", type=int, default=8000)
        p.add_argument("--moto-port", type=int, default=5000)
        p.add_argument("--exit-after-setup", action="store_true", help="stop once ready (for checks)")
        p.set_defaults(func=lambda a, _d=demo: cmd_dev(a, demo=_d))
    t = sub.add_parser("token", help="print an ID token of a demo user of the running local stack")
    t.add_argument("--role", required=True)
    t.set_defaults(func=cmd_token)
    i = sub.add_parser("import", help="import an HR-export CSV into the directory")
    i.add_argument("--file", required=True)
    i.add_argument("--dry-run", action="store_true")
    i.add_argument("--aws", action="store_true", help="use the real AWS environment, not the local stack")
    i.set_defaults(func=cmd_import)
