// Shared by `corebpf prog show` and `corebpf map show`: bpftool's time format
// and its object selectors (id N | pinned PATH | name NAME | tag TAG).
import { UsageError } from "../errors.js";
import { Clock, clockGettime } from "../kernel/index.js";
import { matchKeyword } from "./args.js";

/** Seconds since the epoch of a CLOCK_BOOTTIME nanosecond stamp, computed as bpftool does. */
export function bootTimeToEpoch(nsecs: bigint): number {
  const [realSec, realNsec] = clockGettime(Clock.REALTIME);
  const [bootSec, bootNsec] = clockGettime(Clock.BOOTTIME);
  const extra = (BigInt(realNsec) - BigInt(bootNsec) + nsecs) / 1_000_000_000n;
  return realSec - bootSec + Number(extra);
}

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, "0");

/** strftime("%FT%T%z") in local time. */
export function formatLocalTime(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? "-" : "+";
  const tz = `${sign}${pad(Math.floor(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}`;
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${tz}`
  );
}

export type Selector = { kind: "id"; id: number } | { kind: "pinned"; path: string } | { kind: "name"; name: string } | { kind: "tag"; tag: string };

/** Parses "id N" / "pinned PATH" / "name NAME" / "tag TAG" (tag only for programs). */
export function parseSelector(args: readonly string[], allowTag: boolean): Selector | undefined {
  if (args.length === 0) return undefined;
  if (args.length !== 2) throw new UsageError(`expected 'id', 'pinned' or 'name' followed by a value, got: '${args.join(" ")}'`);
  const keywords = allowTag ? ["id", "pinned", "name", "tag"] : ["id", "pinned", "name"];
  const word = matchKeyword(args[0]!, keywords, "selector");
  const value = args[1]!;
  switch (word) {
    case "id": {
      const id = Number(value);
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(id)) throw new UsageError(`can't parse ${value} as ID`);
      return { kind: "id", id };
    }
    case "pinned":
      return { kind: "pinned", path: value };
    case "name":
      return { kind: "name", name: value };
    default: {
      if (!/^[0-9a-fA-F]{16}$/.test(value)) throw new UsageError(`can't parse tag`);
      return { kind: "tag", tag: value.toLowerCase() };
    }
  }
}

/** Splits off bpftool's -f/--bpffs flag (show pinned paths). */
export function takeBpffsFlag(args: readonly string[]): { bpffs: boolean; rest: string[] } {
  const rest = args.filter((a) => a !== "-f" && a !== "--bpffs");
  return { bpffs: rest.length !== args.length, rest };
}
