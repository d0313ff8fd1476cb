-- P5: an officer starts the review of a filed case, with If-Match naming the version it read.
-- BENCH_DIR/targets lists filed cases (id, version); each thread takes every nthreads-th, so
-- no case is acted on twice and every request is a real transition (expected: 200).
expected = { [200] = true }
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local dir = os.getenv("BENCH_DIR")
local token = io.open(dir .. "/token_officer"):read("*l")
local targets = read_rows(dir .. "/targets")
local next_index

function init(args)
  next_index = tid
end

function request()
  local t = targets[next_index]
  next_index = next_index + nthreads
  if not t then
    -- Out of targets: run longer only with more of them (bench/run sizes the list).
    t = targets[1]
  end
  return wrk.format("POST", "/api/v1/cases/" .. t[1] .. "/actions", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["If-Match"] = '"' .. t[2] .. '"',
  }, '{"action":"start_review"}')
end
