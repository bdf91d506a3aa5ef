-- The same GET of wrk's URL every time (anonymous page, counts, the ceiling), with the answers
-- counted by status.
dofile(os.getenv("PARLEY_BENCH_DIR") .. "/load_common.lua")
