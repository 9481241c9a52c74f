// Preload for `bench/profile.ts`: ends the server with a normal exit after BENCH_EXIT_AFTER_MS, so
// that --cpu-prof writes its profile (a process killed by a signal writes none).
'use strict';
setTimeout(() => process.exit(0), Number(process.env.BENCH_EXIT_AFTER_MS));
