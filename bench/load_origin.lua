-- Anonymous readers of the page in wrk's URL from a host page: each request carries the Origin
-- given as the first script argument, as the embed's fetch does (the answer carries CORS headers
-- when the site allows that origin).
dofile(os.getenv("PARLEY_BENCH_DIR") .. "/load_common.lua")

local origin = nil

function init(args)
  origin = args[1]
end

function request()
  return wrk.format("GET", wrk.path, { ["Origin"] = origin })
end
