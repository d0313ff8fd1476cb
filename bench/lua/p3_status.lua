-- P3: an applicant looks up a status (receipt number + date of birth, BENCH_DIR/receipts).
-- The look-up is throttled per client address (10 at once, then one every 6 s); the service
-- runs with KITDESK_TRUST_PROXY and each request comes from its own X-Forwarded-For address,
-- as many applicants behind the desk's proxy would.
expected = { [200] = true }
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local dir = os.getenv("BENCH_DIR")
local receipts = read_rows(dir .. "/receipts")
local n = 0

function init(args)
  math.randomseed(tid * 104729)
end

function request()
  n = n + 1
  local r = receipts[math.random(#receipts)]
  return wrk.format("POST", "/api/v1/status", {
    ["Content-Type"] = "application/json",
    ["X-Forwarded-For"] = next_address(n),
  }, string.format('{"receipt_number":"%s","date_of_birth":"%s"}', r[1], r[2]))
end
