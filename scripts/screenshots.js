#!/usr/bin/env node
// `npm run screenshots`: builds a demo rig of 16 identities in a temp dir, runs the console on it
// in a private tmux server at 200x60 and 80x24, and saves PNGs of the main view, the help
// overlay, a log search, a confirmation, the Plan view and an identity's timeline to
// screenshots/; then the Fleet view over it and a second demo rig of four identities. Needs tmux, aha and chromium (Debian packages).
// Every process it starts is stopped at the end (the tmux server; the daemon and its services).
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = path.join(root, "bin", "postdeck.js");
const outDir = path.join(root, "screenshots");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "postdeck-shots-"));
const server = `postdeck-shots-${process.pid}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

for (const tool of ["tmux", "aha", "chromium"]) {
  if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) {
    process.stderr.write(`screenshots: '${tool}' is not installed (apt-get install ${tool})\n`);
    process.exit(1);
  }
}

const tmux = (...args) => execFileSync("tmux", ["-L", server, ...args], { encoding: "utf8" });
const capture = () => tmux("capture-pane", "-e", "-p", "-t", "shots");
const plain = () => tmux("capture-pane", "-p", "-t", "shots");
// Keys one at a time; Escape needs a pause after it or the next key reads as Alt+key.
const keysEvery = (ms) => async (...k) => {
  for (const key of k) {
    const named = ["Escape", "Tab", "BTab", "Enter"].includes(key);
    tmux("send-keys", "-t", "shots", ...(named ? [key] : ["-l", key]));
    await sleep(key === "Escape" ? Math.max(ms, 400) : ms);
  }
};
const keys = keysEvery(300);
const fastKeys = keysEvery(80);
async function waitFor(pred, what, ms = 40_000) {
  const t0 = Date.now();
  for (;;) {
    const text = plain();
    if (pred(text)) return text;
    if (Date.now() - t0 > ms) throw new Error(`screenshots: timed out waiting for ${what}; screen:\n${text}`);
    await sleep(250);
  }
}

function toPng(ansi, name, cols, rows) {
  // aha drops the attributes of a combined reset like ESC[0;7m (tmux writes those): split them.
  // And aha draws inverse by swapping colours, so a default-colour code after it (ESC[39m,
  // ESC[49m; tmux writes them after a reset, where they change nothing) would undo the inverse:
  // in a run of codes that resets, drop them.
  const input = ansi
    .replace(/\x1b\[0;([\d;]+)m/g, "\x1b[0m\x1b[$1m")
    .replace(/(?:\x1b\[[\d;]*m)+/g, (run) => (run.includes("\x1b[0m") ? run.replace(/\x1b\[(?:39|49)m/g, "") : run));
  const html = execFileSync("aha", ["--black", "--title", name], { input, encoding: "utf8" }).replace(
    "<pre>",
    `<pre style="font-family:'DejaVu Sans Mono',monospace;font-size:14px;line-height:17px;margin:0;padding:8px;color:#e5e5e5;background:#000">`,
  );
  const htmlFile = path.join(work, `${name}.html`);
  fs.writeFileSync(htmlFile, html);
  const png = path.join(outDir, `${name}.png`);
  const profile = fs.mkdtempSync(path.join(work, "chromium-"));
  execFileSync(
    "chromium",
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--hide-scrollbars",
      `--user-data-dir=${profile}`,
      `--window-size=${Math.ceil(cols * 8.5) + 16},${rows * 17 + 16}`,
      `--screenshot=${png}`,
      `file://${htmlFile}`,
    ],
    { stdio: "ignore" },
  );
  process.stdout.write(`screenshots: ${path.relative(root, png)}\n`);
}

let config = null;
let config2 = null;
try {
  const { buildDemoRig } = await import(path.join(root, "dist", "sim", "rig-builder.js"));
  const rig = await buildDemoRig({ dir: path.join(work, "rig"), identities: 16, postdeckBin: bin });
  config = rig.configPath;
  fs.mkdirSync(outDir, { recursive: true });
  // SHOTS=fleet: only the Fleet view's
  for (const [cols, rows] of process.env.SHOTS === "fleet"
    ? []
    : [
        [200, 60],
        [80, 24],
      ]) {
    const size = `${cols}x${rows}`;
    const env = { ...process.env, FORCE_COLOR: "2" };
    delete env.CI; // CI=anything makes supports-color drop colours; Ink repaints without it
    delete env.NO_COLOR;
    execFileSync("tmux", ["-L", server, "new-session", "-d", "-s", "shots", "-x", String(cols), "-y", String(rows), `node ${bin} --config ${config}; sleep 30`], { env });
    await waitFor((t) => /post12\s/.test(t) && t.includes("Identities · 16"), "sixteen identities");
    await waitFor((t) => /node ● synced/.test(t), "the node reachable and synced", 60_000);
    await waitFor((t) => /p\d+ \d+%/.test(t) && /PROVING/.test(t), "a proving service the node is waiting for", 90_000);
    await sleep(500);
    toPng(capture(), `main-${size}`, cols, rows);
    // Stop a service that is proving: the console asks first. The demo proofs are short, so
    // pick one early in its pass, and if it finished before the key arrived (stopped without
    // asking, as it should), start it again and try another.
    const early = /^[›↑↓ ] *(?:!\d+)? +(post\d+)\s.*p\d+ [0-5]?\d%/m;
    for (let attempt = 1; ; attempt++) {
      if (attempt > 6) throw new Error("screenshots: no service stayed proving long enough for the confirmation");
      let screen;
      try {
        screen = await waitFor((t) => early.test(t), "a service early in a proof", 8_000);
      } catch {
        await keys("g", "r"); // post1 restarts and the node asks it for a proof again
        continue;
      }
      await fastKeys("g", ...Array(Number(early.exec(screen)[1].slice(4)) - 1).fill("j"), "x");
      const after = await waitFor((t) => t.includes("Confirm stop") || /✔ stop/.test(t), "confirmation", 10_000);
      if (after.includes("Confirm stop")) break;
      await keys("s");
    }
    toPng(capture(), `confirm-${size}`, cols, rows);
    await keys("n", "g");
    await keys("?");
    await waitFor((t) => t.includes("Help: every key"), "help");
    toPng(capture(), `help-${size}`, cols, rows);
    await keys("Escape", "p");
    await waitFor((t) => t.includes("Plan: proving") && !t.includes("asking the daemon"), "the plan");
    await sleep(500);
    toPng(capture(), `plan-${size}`, cols, rows);
    await keys("Escape", "Enter");
    await waitFor((t) => t.includes("Identity post1.key") && !t.includes("asking the daemon"), "the identity and its timeline");
    // scroll to the timeline
    const lines = plain().split("\n");
    if (!lines.some((l) => l.startsWith("Timeline"))) {
      for (let i = 0; i < 12 && !plain().split("\n").some((l) => l.startsWith("Timeline")); i++) await fastKeys("j", "j", "j");
    }
    await sleep(300);
    toPng(capture(), `timeline-${size}`, cols, rows);
    await keys("Escape", "Tab", "/", "proof", "Enter");
    await waitFor((t) => t.includes('search "proof"'), "search");
    await sleep(500);
    toPng(capture(), `log-search-${size}`, cols, rows);
    await keys("Escape");
    await keys("q");
    await waitFor((t) => t.includes("console closed"), "console closed", 10_000);
    tmux("kill-session", "-t", "shots");
    // A fresh daemon, node and services for the next size: the demo node asks for proofs at start.
    spawnSync(process.execPath, [bin, "daemon", "stop", "--stop-services", "--force", "--config", config], { stdio: "ignore" });
  }
  // The Fleet view (`postdeck fleet --tui`) over two local rigs: this one and a second demo rig of
  // four identities, listed in a rigs file of their own.
  const second = await buildDemoRig({ dir: path.join(work, "rig-b"), identities: 4, postdeckBin: bin });
  config2 = second.configPath;
  const rigsFile = path.join(work, "rigs.yaml");
  fs.writeFileSync(rigsFile, `- name: rig-a\n  config: ${config}\n- name: rig-b\n  config: ${config2}\n`);
  for (const c of [config, config2]) execFileSync(process.execPath, [bin, "daemon", "start", "--config", c], { stdio: "ignore" });
  const env = { ...process.env, FORCE_COLOR: "2" };
  delete env.CI;
  delete env.NO_COLOR;
  for (const [cols, rows] of [
    [200, 60],
    [80, 24],
  ]) {
    execFileSync("tmux", ["-L", server, "new-session", "-d", "-s", "shots", "-x", String(cols), "-y", String(rows), `node ${bin} fleet --tui --rigs ${rigsFile}; sleep 30`], { env });
    await waitFor((t) => t.includes("2/2 rigs live") && /rig-a/.test(t) && /rig-b/.test(t) && /synced/.test(t), "both rigs live and synced", 90_000);
    await sleep(1500);
    toPng(capture(), `fleet-${cols}x${rows}`, cols, rows);
    await keys("q");
    tmux("kill-session", "-t", "shots");
  }
} finally {
  spawnSync("tmux", ["-L", server, "kill-server"], { stdio: "ignore" });
  for (const c of [config, config2]) if (c) spawnSync(process.execPath, [bin, "daemon", "stop", "--stop-services", "--force", "--config", c], { stdio: "ignore" });
  fs.rmSync(work, { recursive: true, force: true });
}
