-- P3: an applicant looks up a status (receipt number + date of birth, BENCH_DIR/receipts).
-- The look-up is throttled per client address (10 at once, then one every 6 s); the service
-- runs with KITDESK_TRUST_PROXY and each request comes from its own X-Forwarded-For address,
-- as many applicants behind the desk's proxy would.
--
-- The requests are written once, in init(), before the run's clock starts: 65,536 per
-- thread (an address each, a receipt at random), sent in turn. Formatting each in Lua as it
-- went cost the load generator about a tenth of the machine in this workload.
expected = { [200] = true }
count_in_wrk = true
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local dir = os.getenv("BENCH_DIR")
local receipts = read_rows(dir .. "/receipts")
local requests = {}
local n = 0

function init(args)
  math.randomseed(tid * 104729)
  for i = 1, 65536 do
    local r = receipts[math.random(#receipts)]
    requests[i] = wrk.format("POST", "/api/v1/status", {
      ["Content-Type"] = "application/json",
      ["X-Forwarded-For"] = next_address(i),
    }, string.format('{"receipt_number":"%s","date_of_birth":"%s"}', r[1], r[2]))
  end
end

function request()
  n = n % #requests + 1
  return requests[n]
end
