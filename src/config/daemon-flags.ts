// The V8 flags of the daemon's Node, however it is started (`postdeck daemon start`, the systemd
// unit): a process that runs for months and mostly waits, whose RSS is what it costs the rig.
// - --max-semi-space-size=2: a small young generation (bench/supervisor-idle.js);
// - --optimize-for-size: V8 favours memory over speed: it grows the old generation less ahead of
//   what is live (and young space is 1 MB semi-spaces, below the flag before it). A/B with
//   bench/profile-daemon.js --flags-b, simulated node, 4 windows of 20 s: 16 services × 200 lines/s
//   RSS 74.2 vs 79.3 MB, CPU 1.20 vs 1.20 % of a core; 64 services × 200 lines/s in bursts RSS 93.2
//   vs 113.9 MB (old-space heap used 19 vs 40 MiB), CPU A/B 0.90 (0.86–1.39).
export const DAEMON_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=2", "--optimize-for-size"];
