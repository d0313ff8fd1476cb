-- Shared by every workload script (loaded with dofile): per-thread counts of expected and
-- unexpected answers, and a done() that prints one machine-readable line for bench/run.
-- A workload script sets `expected` (status -> true) before loading this file and defines
-- request(); it may define on_response(status, headers, body).
--
-- A script that reads no answer and expects only 2xx may set `count_in_wrk = true` before
-- loading this file: then no response() is defined, and wrk's own count of answers with a
-- status of 400 or more is the unexpected count (no sample status). A response() makes wrk
-- build a table of each answer's headers and copy its body into Lua: for a status look-up
-- that was as much CPU as the rest of the load generator, all of it charged to the machine
-- the service shares (docs/benchmarks.md, "The load generator").

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)        -- 1-based, set before init()
  thread:set("nthreads", tonumber(os.getenv("BENCH_THREADS") or "2"))
  table.insert(threads, thread)
end

n_ok, n_bad, last_bad = 0, 0, 0

if not count_in_wrk then
  function response(status, headers, body)
    if expected[status] then
      n_ok = n_ok + 1
    else
      n_bad = n_bad + 1
      last_bad = status
    end
    if on_response then on_response(status, headers, body) end
  end
end

-- An open-loop pause between requests on each connection, to run below the maximum rate.
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if pause and pause > 0 then
  function delay() return pause end
end

function read_rows(path)
  local rows = {}
  for line in io.lines(path) do
    local fields = {}
    for f in line:gmatch("[^\t]+") do fields[#fields + 1] = f end
    if #fields > 0 then rows[#rows + 1] = fields end
  end
  return rows
end

-- A client address per request for the per-address throttles, when the service trusts
-- X-Forwarded-For (KITDESK_TRUST_PROXY): 10.t.x.y, a /16 per thread, cycled.
function next_address(n)
  local k = n % 65536
  return string.format("10.%d.%d.%d", tid % 256, math.floor(k / 256), k % 256)
end

function done(summary, latency, requests)
  local ok, bad, sample = 0, 0, 0
  local e = summary.errors
  if count_in_wrk then
    ok, bad = summary.requests - e.status, e.status
  else
    for _, t in ipairs(threads) do
      ok = ok + (t:get("n_ok") or 0)
      bad = bad + (t:get("n_bad") or 0)
      local s = t:get("last_bad") or 0
      if s ~= 0 then sample = s end
    end
  end
  local secs = summary.duration / 1e6
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"seconds":%.2f,"rps":%.1f,"p50_ms":%.2f,"p90_ms":%.2f,"p99_ms":%.2f,"max_ms":%.2f,"expected":%d,"unexpected":%d,"unexpected_sample":%d,"socket_errors":%d}\n',
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    ok, bad, sample, e.connect + e.read + e.write + e.timeout))
end
