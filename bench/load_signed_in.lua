-- Signed-in readers reading the page in wrk's URL: each request carries the next reader's token
-- (one per line in the file named by the first script argument), so the server sees many
-- readers, not one.
dofile(os.getenv("PARLEY_BENCH_DIR") .. "/load_common.lua")

local tokens = {}
local next_token = 1

function init(args)
  for line in io.lines(args[1]) do
    table.insert(tokens, line)
  end
  -- Threads start at different readers.
  next_token = (thread_number or 1) * 7919 % #tokens + 1
end

function request()
  local token = tokens[next_token]
  next_token = next_token % #tokens + 1
  return wrk.format("GET", wrk.path, { ["Authorization"] = "Token " .. token })
end
