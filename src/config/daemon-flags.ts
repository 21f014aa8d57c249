// The Node and V8 flags of the daemon's Node, however it is started (`postdeck daemon start`, the
// systemd unit): a process that runs for months and mostly waits, whose RSS is what it costs the rig.
// - --max-semi-space-size=2: a small young generation (bench/supervisor-idle.js);
// - --optimize-for-size: V8 favours memory over speed: it grows the old generation less ahead of
//   what is live (and young space is 1 MB semi-spaces, below the flag before it). A/B with
//   bench/profile-daemon.js --flags-b, simulated node, 4 windows of 20 s: 16 services × 200 lines/s
//   RSS 74.2 vs 79.3 MB, CPU 1.20 vs 1.20 % of a core; 64 services × 200 lines/s in bursts RSS 93.2
//   vs 113.9 MB (old-space heap used 19 vs 40 MiB), CPU A/B 0.90 (0.86–1.39).
// - --v8-pool-size=1: one V8 worker thread (background GC marking and sweeping, compilation jobs)
//   instead of Node's four; each thread has a stack and a malloc arena of its own, and the
//   daemon's heap is too small for parallel GC to pay. 16 services × 200 lines/s beside pm2
//   (bench/rss-versus.js, 3 rounds each): peak RSS −1.3 to −6.7 MB (66.5 vs 73.2 MB, 1.04× vs
//   1.15× pm2's in line at load 17–22), CPU 0.59–1.00× (profile-daemon.js --flags-b, 4 windows of
//   20 s, load 10–13: 0.90 vs 1.00 % of a core). 64 idle services and a simulated node
//   (profile-daemon.js --versus, 3 windows of 30 s, two runs at load 11–23): CPU 0.46× and 0.50×
//   (last window 0.13 vs 0.27 % of a core), RSS mean 73.4 vs 77.1 MB.
// Not chosen (bench/rss-versus.js, 16 services, 3 rounds each, load 20–40): --max-opt=1 (no
// TurboFan) cuts the peak 4.4–5.9 MB (3.4 MB of it Node's binary pages that TurboFan's code
// touches) but costs CPU: 1.50 vs 1.05 % of a core with 16 line-writing services; with
// --v8-pool-size=1 no gain was seen from --single-threaded(-gc), --no-concurrent-recompilation,
// --interrupt-budget (8×), --no-turbo-inlining, MALLOC_ARENA_MAX=2, UV_THREADPOOL_SIZE=2.
export const DAEMON_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=2", "--optimize-for-size", "--v8-pool-size=1"];
