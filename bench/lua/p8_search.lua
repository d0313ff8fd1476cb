-- P8: an officer searches the queue: a name (romanised, either order, or Hangul), a receipt
-- number or a passport's last four, taken at random from BENCH_DIR/searches (one search a
-- line, URL-encoded, drawn from the stored cases by bench/run).
expected = { [200] = true }
count_in_wrk = true
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local dir = os.getenv("BENCH_DIR")
local token = io.open(dir .. "/token_officer"):read("*l")
local searches = read_rows(dir .. "/searches")
local headers = { ["Authorization"] = "Bearer " .. token }

local requests = {}

-- Each search's request is written once, before the run's clock starts.
function init(args)
  math.randomseed(tid * 7919)
  for i, row in ipairs(searches) do
    requests[i] = wrk.format("GET", "/api/v1/cases?limit=50&q=" .. row[1], headers)
  end
end

function request()
  return requests[math.random(#requests)]
end
