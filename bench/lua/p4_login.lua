-- P4: a sign-in flood: wrong passwords for addresses that have no account, each from its own
-- client address (X-Forwarded-For, KITDESK_TRUST_PROXY), so that no throttle answers before
-- the password is checked: the service verifies against its decoy hash, the same argon2 work
-- as a real account's (that is what keeps sign-in timing even). Expected answer: 401.
expected = { [401] = true }
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local run = os.time()
local n = 0

function request()
  n = n + 1
  return wrk.format("POST", "/api/v1/auth/login", {
    ["Content-Type"] = "application/json",
    ["X-Forwarded-For"] = next_address(n),
  }, string.format('{"email":"flood-%d-%d-%d@example.com","password":"not the password %d"}',
    run, tid, n, n))
end
