"""Schemathesis hooks for scripts/fuzz, and the seeding step that runs before them.

`python fuzz_hooks.py seed BASE_URL STATE_FILE` (run once by scripts/fuzz, after the desk users
were made with `kitdesk user create`): registers a sponsor over the API (which makes its
employer user), a subcontractor of it, has the officer verify the sponsor, adds a project and
files a small batch, and writes what the fuzzing needs (credentials, ids) to STATE_FILE.

Loaded by schemathesis through SCHEMATHESIS_HOOKS, with KITDESK_FUZZ_STATE naming that file and
KITDESK_FUZZ_ROLE one of employer, officer, supervisor, admin or applicant (no account):
- an auth provider that signs the role in once (POST /api/v1/auth/login) and reuses the token
  for every request of the run, so that the fuzzing never trips the sign-in throttle;
- path parameters that are sometimes replaced by ids that exist, so that handlers get past
  "no such case" and into their real work.
"""

import datetime
import json
import os
import sys
import threading
import time
import uuid

import requests

PASSWORD = "fuzzing passphrase of the kit desk"
HTTP_TIMEOUT = 30


def login(base, email, password):
    """Signs in; waits out a 429 (bounded) instead of failing; returns the bearer token."""
    for _ in range(5):
        r = requests.post(
            f"{base}/api/v1/auth/login",
            json={"email": email, "password": password},
            timeout=HTTP_TIMEOUT,
        )
        if r.status_code == 429:
            time.sleep(min(int(r.headers.get("Retry-After", "3")), 30))
            continue
        if r.status_code != 200:
            raise RuntimeError(f"sign-in of {email} failed: {r.status_code} {r.text}")
        return r.json()["token"]
    raise RuntimeError(f"sign-in of {email} stayed throttled")


# ---------------------------------------------------------------------------------------------
# Seeding


# The sponsor verification checklist's items (service::sponsor_review).
CHECKLIST = ("business_registration", "korean_ownership", "treaty_investor", "authorised_signatory")


def _post(base, path, token, body):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = requests.post(f"{base}{path}", json=body, headers=headers, timeout=HTTP_TIMEOUT)
    if r.status_code not in (200, 201, 202):
        raise RuntimeError(f"POST {path}: {r.status_code} {r.text}")
    return r.json()


def _me(base, email):
    token = login(base, email, PASSWORD)
    r = requests.get(
        f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=HTTP_TIMEOUT
    )
    r.raise_for_status()
    return r.json()


def _sponsor(n, prime=None):
    return {
        "legal_name": f"Fuzz Battery Systems {n}",
        "legal_name_ko": "퍼즈배터리시스템",
        "business_registration_no": f"{9000000000 + n:010}",
        "korean_ownership_pct": 100,
        "treaty_investor": True,
        "qualifying_relationship": "parent",
        "labor_attestation_filed": False,
        "strike_or_lockout": False,
        "prime_sponsor_id": prime,
        "contact": {
            "name": "Kim Minjun",
            "email": f"employer{n}@fuzz.example.com",
            "password": PASSWORD,
        },
    }


def _worker(i):
    today = datetime.date.today()
    entry = today + datetime.timedelta(days=30)
    return {
        "given_name": f"Minjun{i}",
        "family_name": "Kim",
        "name_ko": "김민준",
        "email": f"worker{i}@fuzz.example.kr",
        "date_of_birth": "1988-04-12",
        "nationality": "KR",
        "passport_number": f"M{uuid.uuid4().int % 100_000_000:08}",
        "passport_expiry": "2031-05-01",
        "education": "vocational",
        "degree_in_specialty": False,
        "years_experience": 9,
        "months_employed_by_sponsor_last_3y": 30,
        "role": "installer",
        "specialized_knowledge": True,
        "prior_us_violation": False,
        "previously_detained_2025": False,
        "assignment": {
            "activities": ["install", "train_us_workers"],
            "planned_entry": entry.isoformat(),
            "planned_exit": (entry + datetime.timedelta(days=89)).isoformat(),
            "pay_source": "foreign",
            "specialty_occupation": False,
        },
    }


def seed(base, state_file):
    users = {
        role: {"email": f"{role}@fuzz.example.com", "password": PASSWORD}
        for role in ("officer", "supervisor", "admin")
    }
    # Registration answers 202 alike whether or not the address had an account: the ids come
    # from /me after signing in.
    _post(base, "/api/v1/sponsors/register", None, _sponsor(1))
    users["employer"] = {"email": _sponsor(1)["contact"]["email"], "password": PASSWORD}
    sponsor_id = _me(base, users["employer"]["email"])["sponsor_id"]
    _post(base, "/api/v1/sponsors/register", None, _sponsor(2, prime=sponsor_id))
    sub = {"sponsor": {"id": _me(base, _sponsor(2)["contact"]["email"])["sponsor_id"]}}

    officer = login(base, users["officer"]["email"], PASSWORD)
    # Verification needs the desk's checklist confirmed item by item first.
    for item in CHECKLIST:
        r = requests.put(
            f"{base}/api/v1/sponsors/{sponsor_id}/checklist/{item}",
            json={"outcome": "confirmed", "note": "Checked for the fuzz seed."},
            headers={"Authorization": f"Bearer {officer}"},
            timeout=HTTP_TIMEOUT,
        )
        if r.status_code != 200:
            raise RuntimeError(f"PUT checklist/{item}: {r.status_code} {r.text}")
    _post(base, f"/api/v1/sponsors/{sponsor_id}/verify", officer, None)
    employer = login(base, users["employer"]["email"], PASSWORD)
    project = _post(
        base,
        f"/api/v1/sponsors/{sponsor_id}/projects",
        employer,
        {
            "name": "Ellabell battery plant, line 3",
            "worksite_address": "1 Metaplant Way, Ellabell",
            "state": "GA",
            "sector": "batteries",
            "investment_usd": 7_600_000_000,
            "equipment_purchased_abroad": True,
            "contract_requires_seller_services": True,
        },
    )
    filing = _post(
        base,
        "/api/v1/filings",
        employer,
        {"project_id": project["id"], "workers": [_worker(i) for i in range(4)]},
    )
    state = {
        "base_url": base,
        "users": users,
        "ids": {
            "sponsor": [sponsor_id, sub["sponsor"]["id"]],
            "project": [project["id"]],
            "case": [c["id"] for c in filing["cases"]],
        },
    }
    with open(state_file, "w", encoding="utf-8") as f:
        json.dump(state, f, indent=2)
    print(
        f"seeded: 2 sponsors, 1 project, {len(state['ids']['case'])} cases, "
        f"users: {', '.join(sorted(users))}"
    )


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "seed":
        sys.exit("usage: fuzz_hooks.py seed BASE_URL STATE_FILE")
    seed(sys.argv[2], sys.argv[3])
    sys.exit(0)


# ---------------------------------------------------------------------------------------------
# Hooks (only when loaded by schemathesis)

import schemathesis  # noqa: E402  (the seeding step above does not need it)
from hypothesis import strategies as st  # noqa: E402

# Rule sets travel as TOML text: send the generated strings as they are.
schemathesis.serializer.alias("application/toml", "text/plain")

ROLE = os.environ.get("KITDESK_FUZZ_ROLE", "applicant")
with open(os.environ["KITDESK_FUZZ_STATE"], encoding="utf-8") as _f:
    STATE = json.load(_f)

if ROLE != "applicant":
    _token = None
    _token_lock = threading.Lock()

    # No schemathesis-side caching (refresh_interval=None): its cache refetches on every 401,
    # and a fuzzed request can earn a 401 on purpose; the token is kept here instead, for the
    # whole run.
    @schemathesis.auth(refresh_interval=None)
    class RoleAuth:
        def get(self, case, ctx):
            global _token
            with _token_lock:
                if _token is None:
                    user = STATE["users"][ROLE]
                    _token = login(STATE["base_url"], user["email"], user["password"])
                return _token

        def set(self, case, data, ctx):
            case.headers = case.headers or {}
            case.headers["Authorization"] = f"Bearer {data}"


def _real_parameters(path, params):
    """Path parameters naming records that exist (or routes and years that do), for `path`."""
    if path.startswith("/api/v1/caps/"):
        fy = datetime.date.today().year + 1
        return [dict(params, route="E4-PWK", fy=fy), dict(params, route="E4-PWK", fy=fy - 1)]
    if path.startswith("/api/v1/rulesets/"):
        return [dict(params, route=r) for r in ("E4-PWK", "B1-CIW", "GEN")]
    for prefix, kind in (
        ("/api/v1/cases/", "case"),
        ("/api/v1/sponsors/", "sponsor"),
        ("/api/v1/projects/", "project"),
    ):
        if path.startswith(prefix) and "id" in params:
            return [dict(params, id=i) for i in STATE["ids"][kind]]
    return []


@schemathesis.hook
def flatmap_path_parameters(ctx, path_parameters):
    """Keeps the generated parameters, or swaps in ones that exist: both get tested."""
    real = _real_parameters(ctx.operation.path, path_parameters or {})
    if not real:
        return st.just(path_parameters)
    return st.sampled_from([path_parameters, *real])


@schemathesis.hook
def flatmap_headers(ctx, headers):
    """Case actions: besides the generated If-Match, versions a seeded case may be at."""
    if ctx.operation.path != "/api/v1/cases/{id}/actions":
        return st.just(headers)
    headers = headers or {}
    return st.sampled_from([headers, *(dict(headers, **{"If-Match": f'"{v}"'}) for v in (1, 2, 3))])
