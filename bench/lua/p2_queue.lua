-- P2: an officer reads a queue page of 50 filed cases from a keyset cursor taken at random
-- from the list (BENCH_DIR/cursors: one cursor a line, as the API hands them out).
expected = { [200] = true }
count_in_wrk = true
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local dir = os.getenv("BENCH_DIR")
local token = io.open(dir .. "/token_officer"):read("*l")
local cursors = read_rows(dir .. "/cursors")
local headers = { ["Authorization"] = "Bearer " .. token }

local requests = {}

-- Each cursor's request is written once, before the run's clock starts.
function init(args)
  math.randomseed(tid * 7919)
  for i, row in ipairs(cursors) do
    requests[i] = wrk.format("GET", "/api/v1/cases?status=filed&limit=50&cursor=" .. row[1], headers)
  end
end

function request()
  return requests[math.random(#requests)]
end
