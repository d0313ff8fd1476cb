-- P3: an applicant looks up a status (receipt number + date of birth, BENCH_DIR/receipts).
-- The look-up is throttled per client address (10 at once, then one every 6 s) and per
-- receipt number (10 at once, then 6 an hour); the service runs with KITDESK_TRUST_PROXY and
-- each request comes from its own X-Forwarded-For address, as many applicants behind the
-- desk's proxy would.
--
-- Each load thread takes its own share of the receipts (every nthreads-th row, at most
-- 65,536: one address each) and sends them in turn, so that every receipt and address is
-- looked up equally often: at about 40,000 look-ups a second on 100,000 receipts, six times
-- in a 15 s run, under both throttles' bursts. Drawing receipts at random (as before) let
-- some reach the receipt's limit and answer 429.
--
-- The requests are written once, in init(), before the run's clock starts. Formatting each in
-- Lua as it went cost the load generator about a tenth of the machine in this workload.
expected = { [200] = true }
count_in_wrk = true
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local dir = os.getenv("BENCH_DIR")
local receipts = read_rows(dir .. "/receipts")
local requests = {}
local n = 0

function init(args)
  local threads = nthreads or 1
  for i = tid, #receipts, threads do
    if #requests == 65536 then break end
    local r = receipts[i]
    requests[#requests + 1] = wrk.format("POST", "/api/v1/status", {
      ["Content-Type"] = "application/json",
      ["X-Forwarded-For"] = next_address(#requests + 1),
    }, string.format('{"receipt_number":"%s","date_of_birth":"%s"}', r[1], r[2]))
  end
  receipts = nil
end

function request()
  n = n % #requests + 1
  return requests[n]
end
