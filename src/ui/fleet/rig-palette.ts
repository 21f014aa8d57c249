// `:rig NAME` in a rig's console: the palette entry that switches to another rig of the fleet (the
// console opened from the Fleet view), or — in a console of one rig — says what to run instead.
// The entry claims what is typed after `:` once it reads `rig NAME`, whatever the fuzzy match.
import type { PaletteEntry } from "../overlays/PaletteOverlay.js";
import type { Tone } from "../theme.js";
import { rigOfPrompt } from "./rig-prompt.js";

/** What a console opened from the Fleet view knows of the fleet. */
export interface RigSwitch {
  names: string[];
  current: string;
  switchTo: (name: string) => void;
}

const typedRig = (query: string): string | null => {
  const m = /^rig(?:\s+(.*))?$/i.exec(query.trim());
  return m ? (m[1] ?? "").trim() : null;
};

export function rigPaletteEntry(say: (text: string, tone?: Tone) => void, rigs: RigSwitch | null): PaletteEntry {
  const others = rigs ? rigs.names.filter((n) => n !== rigs.current) : [];
  return {
    label: rigs ? `rig NAME — switch to another rig (${others.join(", ") || "no other rig"})` : "rig NAME — switch rigs (from the Fleet view)",
    keys: "",
    claims: (query) => typedRig(query) !== null && typedRig(query) !== "",
    run: (query) => {
      const word = typedRig(query) ?? "";
      if (!rigs) return say(`this console shows one rig; to switch between rigs run: postdeck fleet --tui --open ${word || "NAME"}`, "warn");
      if (word === "") return say(`type :rig NAME — the other rigs: ${others.join(", ") || "none"}`, "info");
      const r = rigOfPrompt(word, rigs.names);
      if ("error" in r) return say(r.error, "err");
      if (r.name === rigs.current) return say(`this is rig ${r.name} already`, "info");
      rigs.switchTo(r.name);
    },
  };
}
