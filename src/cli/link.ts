// corebpf link { show | list } [LINK] [-f] [-j|-p] | pin LINK FILE | detach LINK
//   LINK := id N | pinned PATH
//
// Prints what bpftool 7.1 (libbpf 1.1) prints: type names libbpf 1.1 knows,
// "type N" for newer ones (tcx, netkit...), the per-type line for raw
// tracepoints, tracing, cgroup, iter and netns links. Not printed: "pids"
// (this bpftool build has no pid iterator either).
import { CoreBpfError, SyscallError, UsageError } from "../errors.js";
import { Link, linkDetails, type LinkDetails } from "../kernel/attach/index.js";
import { Fd, LinkType, attachTypeNames, errnoMessage, getFdById, ids, linkTypeNames, pinnedObjects, preparePinPath, programInfo, progTypeNames, tryGetFdById } from "../kernel/index.js";
import { type CliContext, matchKeyword } from "./args.js";
import { BpftoolJson } from "./bpftool-json.js";
import { openPinnedSelector, takeBpffsFlag } from "./show-common.js";

/** The last enum values libbpf 1.1 has names for (bpftool 7.1 prints "type N" / numbers past them). */
const LIBBPF_LAST_LINK_TYPE = LinkType.KPROBE_MULTI;
const LIBBPF_LAST_ATTACH_TYPE = 43; // BPF_LSM_CGROUP
const LIBBPF_LAST_PROG_TYPE = 31; // BPF_PROG_TYPE_SYSCALL

const linkTypeName = (t: number) => (t <= LIBBPF_LAST_LINK_TYPE ? linkTypeNames[t] : undefined);
const attachTypeName = (t: number) => (t <= LIBBPF_LAST_ATTACH_TYPE ? attachTypeNames[t] : undefined);
const progTypeName = (t: number) => (t <= LIBBPF_LAST_PROG_TYPE ? progTypeNames[t] : undefined);

const isMapIter = (target: string) => target === "bpf_map_elem" || target === "bpf_sk_storage_map";

interface Shown {
  d: LinkDetails;
  /** tracing links: the program's type. */
  progType: number | undefined;
  pinned: string[] | undefined;
}

function collect(fd: number, pins: globalThis.Map<number, string[]> | undefined): Shown {
  const d = linkDetails(fd);
  let progType: number | undefined;
  if (d.type === LinkType.TRACING) {
    using prog = new Fd(getFdById("prog", d.progId));
    progType = programInfo(prog.value).type;
  }
  return { d, progType, pinned: pins && pins.size > 0 ? (pins.get(d.id) ?? []) : undefined };
}

function plain(s: Shown): string {
  const { d } = s;
  const name = linkTypeName(d.type);
  let out = `${d.id}: ${name ?? `type ${d.type}`}  prog ${d.progId}  `;
  const attach = (t: number | undefined) => `attach_type ${attachTypeName(t ?? 0) ?? t}  `;
  switch (d.type) {
    case LinkType.RAW_TRACEPOINT:
      out += `\n\ttp '${d.tpName ?? ""}'  `;
      break;
    case LinkType.TRACING:
      out += `\n\tprog_type ${progTypeName(s.progType ?? 0) ?? s.progType}  ${attach(d.attachType)}`;
      break;
    case LinkType.CGROUP:
      out += `\n\tcgroup_id ${d.cgroupId}  ${attach(d.attachType)}`;
      break;
    case LinkType.ITER:
      out += `target_name ${d.iterTarget ?? ""}  `;
      if (isMapIter(d.iterTarget ?? "")) out += `map_id ${d.iterMapId}  `;
      break;
    case LinkType.NETNS:
      out += `\n\tnetns_ino ${d.netnsIno}  ${attach(d.attachType)}`;
      break;
  }
  for (const p of s.pinned ?? []) out += `\n\tpinned ${p}`;
  return out + "\n";
}

function json(w: BpftoolJson, s: Shown): void {
  const { d } = s;
  w.startObject();
  w.uintField("id", d.id);
  const name = linkTypeName(d.type);
  if (name) w.stringField("type", name);
  else w.uintField("type", d.type);
  w.uintField("prog_id", d.progId);
  const attach = (t: number) => {
    const n = attachTypeName(t);
    if (n) w.stringField("attach_type", n);
    else w.uintField("attach_type", t);
  };
  switch (d.type) {
    case LinkType.RAW_TRACEPOINT:
      w.stringField("tp_name", d.tpName ?? "");
      break;
    case LinkType.TRACING: {
      const n = progTypeName(s.progType ?? 0);
      if (n) w.stringField("prog_type", n);
      else w.uintField("prog_type", s.progType ?? 0);
      attach(d.attachType ?? 0);
      break;
    }
    case LinkType.CGROUP:
      w.uintField("cgroup_id", d.cgroupId ?? 0n);
      attach(d.attachType ?? 0);
      break;
    case LinkType.ITER:
      w.stringField("target_name", d.iterTarget ?? "");
      if (isMapIter(d.iterTarget ?? "")) w.uintField("map_id", d.iterMapId ?? 0);
      break;
    case LinkType.NETNS:
      w.uintField("netns_ino", d.netnsIno ?? 0);
      attach(d.attachType ?? 0);
      break;
  }
  if (s.pinned) {
    w.name("pinned").startArray();
    for (const p of s.pinned) w.string(p);
    w.endArray();
  }
  w.endObject();
}

/** An id as strtoul(s, 0) reads it (hex with 0x, octal with a leading 0), truncated to 32 bits. */
function parseId(text: string): number {
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.exec(text);
  if (!m) throw new UsageError(`can't parse ${text} as ID`);
  const n = text.length > 1 && text[0] === "0" && !/^0[xX]/.test(text) ? Number.parseInt(text, 8) : Number(text);
  return n % 4294967296;
}

/** Opens the link a selector names (`id N` or `pinned PATH`); the caller owns the fd. */
function openSelected(args: readonly string[]): number {
  if (args.length < 2) throw new UsageError(`expected 'id' or 'pinned', got: '${args[0] ?? ""}'?`);
  const word = args[0] === "id" || args[0] === "pinned" ? args[0] : undefined;
  if (word === undefined) throw new UsageError(`expected 'id' or 'pinned', got: '${args[0]}'?`);
  const value = args[1]!;
  if (word === "pinned") return openPinnedSelector(value, "link");
  try {
    return getFdById("link", parseId(value));
  } catch (err) {
    if (!(err instanceof SyscallError)) throw err;
    // bpftool prints the id with %d.
    throw new CoreBpfError(err.code, `failed to get link with ID ${parseId(value) | 0}: ${errnoMessage(err.errnoNumber)}`);
  }
}

/** The `link show` output (plain or JSON) as a string. */
export function linkShowOutput(args: readonly string[], ctx: Pick<CliContext, "json" | "pretty" | "bpffs">): string {
  const { bpffs, rest } = takeBpffsFlag(args);
  if (rest.length !== 0 && rest.length !== 2) {
    throw new UsageError(rest.length > 2 ? `what is '${rest[2]}'?` : `expected 'id' or 'pinned', got: '${rest[0]}'?`);
  }
  const pins = bpffs || ctx.bpffs === true ? pinnedObjects("link") : undefined;
  const shown: Shown[] = [];
  if (rest.length === 2) {
    using fd = new Fd(openSelected(rest));
    shown.push(collect(fd.value, pins));
  } else {
    for (const id of ids("link")) {
      const raw = tryGetFdById("link", id);
      if (raw === undefined) continue;
      using fd = new Fd(raw);
      shown.push(collect(fd.value, pins));
    }
  }
  if (!ctx.json) return shown.map(plain).join("");
  const w = new BpftoolJson(ctx.pretty);
  if (rest.length === 0) w.startArray();
  for (const s of shown) json(w, s);
  if (rest.length === 0) w.endArray();
  return w.finish();
}

const help =
  "Usage: corebpf link { show | list }   [LINK]\n" +
  "       corebpf link pin        LINK  FILE\n" +
  "       corebpf link detach     LINK\n" +
  "       corebpf link help\n\n" +
  "       LINK := { id LINK_ID | pinned FILE }\n" +
  "       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} | {-f|--bpffs} }\n";

function jsonNull(ctx: CliContext): void {
  if (ctx.json) process.stdout.write(new BpftoolJson(ctx.pretty).null().finish());
}

export function run(args: string[], ctx: CliContext): number {
  const [verb, ...rest] = args;
  const word = verb === undefined ? "show" : matchKeyword(verb, ["show", "list", "pin", "detach", "help"], "command");
  switch (word) {
    case "help":
      process.stdout.write(help);
      return 0;
    case "pin": {
      if (rest.length !== 3) throw new UsageError("expected LINK FILE: link pin { id LINK_ID | pinned FILE } FILE");
      using link = Link.fromFd(openSelected(rest.slice(0, 2)));
      preparePinPath(rest[2]!);
      link.pin(rest[2]!);
      jsonNull(ctx);
      return 0;
    }
    case "detach": {
      if (rest.length !== 2) throw new UsageError("expected LINK: link detach { id LINK_ID | pinned FILE }");
      using link = Link.fromFd(openSelected(rest));
      try {
        link.kernelDetach();
      } catch (err) {
        if (err instanceof SyscallError) throw new CoreBpfError(err.code, `failed link detach: ${errnoMessage(err.errnoNumber)}`);
        throw err;
      }
      jsonNull(ctx);
      return 0;
    }
    default:
      if (rest.some((a) => a.startsWith("-") && a !== "-f" && a !== "--bpffs")) throw new UsageError(`unknown option in '${rest.join(" ")}'`);
      process.stdout.write(linkShowOutput(rest, ctx));
      return 0;
  }
}
