-- P1: an employer files a batch of one worker. Every request has its own passport number
-- (so duplicate detection does its normal work) and its own Idempotency-Key.
--   BENCH_DIR: folder with token_employer, project_id
expected = { [201] = true }
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local dir = os.getenv("BENCH_DIR")
local token = io.open(dir .. "/token_employer"):read("*l")
local project = io.open(dir .. "/project_id"):read("*l")
local run = os.time()
local n = 0

local template = [[{"project_id":"%s","workers":[{"given_name":"Minjun","family_name":"Kim","name_ko":"김민준","email":"minjun.kim.%s@example.com","date_of_birth":"1988-04-12","nationality":"KR","passport_number":"M%s","passport_expiry":"2033-01-31","education":"bachelor","degree_in_specialty":true,"years_experience":9,"months_employed_by_sponsor_last_3y":30,"role":"installer","specialized_knowledge":true,"prior_us_violation":false,"previously_detained_2025":false,"assignment":{"activities":["install","train_us_workers"],"planned_entry":"2027-03-02","planned_exit":"2027-05-28","pay_source":"foreign","specialty_occupation":false}}]}]]

function request()
  n = n + 1
  local serial = string.format("%d%02d%07d", run % 100000, tid, n)
  return wrk.format("POST", "/api/v1/filings", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "bench-" .. serial,
  }, string.format(template, project, serial, serial))
end
