// corebpf feature probe [kernel] [full] [macros [prefix PREFIX]] [-j|-p]
// corebpf feature list_builtins GROUP
//
// Mirrors bpftool 7.1 (libbpf 1.1): the same sections, wording and JSON, the
// same program/map types and helpers (those its uapi knew), and the same
// verdicts (its helper probe only recognises the pre-6.2 refusal messages).
import { UsageError, CoreBpfError } from "../errors.js";
import {
  attachTypeNames,
  bpfSysctls,
  hasCapability,
  Capability,
  effectiveCapabilities,
  helperNames,
  helpersProbeable,
  linkTypeNames,
  mapTypeNames,
  probeHelper,
  probeMapType,
  probeMisc,
  probeProgType,
  procfsMounted,
  progTypeNames,
  rawBpf,
  lastErrno,
  readKernelConfig,
  readProcfsNumber,
  Errno,
  type MiscFeatureName,
} from "../kernel/index.js";
import { type CliContext, matchKeyword } from "./args.js";
import { BpftoolJson } from "./bpftool-json.js";

/** The last program type, map type, attach type, link type and helper bpftool 7.1 knows. */
export const bpftool71 = { lastProgType: 31, lastMapType: 31, lastAttachType: 43, lastLinkType: 9, lastHelper: 209 } as const;

/** Kernel options bpftool 7.1 reports, in its order; CONFIG_HZ is also dumped as a macro. */
const configOptions = [
  "CONFIG_BPF", "CONFIG_BPF_SYSCALL", "CONFIG_HAVE_EBPF_JIT", "CONFIG_BPF_JIT", "CONFIG_BPF_JIT_ALWAYS_ON",
  "CONFIG_DEBUG_INFO_BTF", "CONFIG_DEBUG_INFO_BTF_MODULES", "CONFIG_CGROUPS", "CONFIG_CGROUP_BPF",
  "CONFIG_CGROUP_NET_CLASSID", "CONFIG_SOCK_CGROUP_DATA", "CONFIG_BPF_EVENTS", "CONFIG_KPROBE_EVENTS",
  "CONFIG_UPROBE_EVENTS", "CONFIG_TRACING", "CONFIG_FTRACE_SYSCALLS", "CONFIG_FUNCTION_ERROR_INJECTION",
  "CONFIG_BPF_KPROBE_OVERRIDE", "CONFIG_NET", "CONFIG_XDP_SOCKETS", "CONFIG_LWTUNNEL_BPF", "CONFIG_NET_ACT_BPF",
  "CONFIG_NET_CLS_BPF", "CONFIG_NET_CLS_ACT", "CONFIG_NET_SCH_INGRESS", "CONFIG_XFRM", "CONFIG_IP_ROUTE_CLASSID",
  "CONFIG_IPV6_SEG6_BPF", "CONFIG_BPF_LIRC_MODE2", "CONFIG_BPF_STREAM_PARSER", "CONFIG_NETFILTER_XT_MATCH_BPF",
  "CONFIG_BPFILTER", "CONFIG_BPFILTER_UMH", "CONFIG_TEST_BPF", "CONFIG_HZ",
] as const;

const miscProbes: ReadonlyArray<[MiscFeatureName, string, string]> = [
  ["large_insn_limit", "Large program size limit", "LARGE_INSN_LIMIT"],
  ["bounded_loops", "Bounded loop support", "BOUNDED_LOOPS"],
  ["v2_isa_extension", "ISA extension v2", "V2_ISA_EXTENSION"],
  ["v3_isa_extension", "ISA extension v3", "V3_ISA_EXTENSION"],
];

const skippedUnlessFull = new Set([helperNames.indexOf("bpf_trace_printk"), helperNames.indexOf("bpf_trace_vprintk"), helperNames.indexOf("bpf_probe_write_user")]);

type Mode = { kind: "plain" } | { kind: "json"; w: BpftoolJson } | { kind: "macros"; prefix: string };

/** Output sink following bpftool's three styles. */
class Printer {
  out = "";
  constructor(readonly mode: Mode) {}
  line(s: string): void {
    this.out += s + "\n";
  }
  startSection(json: string, plain: string, macro: string): void {
    if (this.mode.kind === "json") this.mode.w.name(json).startObject();
    else this.line(this.mode.kind === "macros" ? macro : plain);
  }
  endSection(): void {
    if (this.mode.kind === "json") this.mode.w.endObject();
    else this.line("");
  }
  boolFeature(feat: string, plain: string, define: string, res: boolean): void {
    if (this.mode.kind === "json") this.mode.w.boolField(feat, res);
    else if (this.mode.kind === "macros") this.line(`#define ${this.mode.prefix}${res ? "" : "NO_"}HAVE_${define}`);
    else this.line(`${plain} is ${res ? "" : "NOT "}available`);
  }
}

function sysctlSection(p: Printer): void {
  if (p.mode.kind === "macros") return;
  if (!procfsMounted()) {
    process.stderr.write("/* procfs not mounted, skipping related probes */\n");
    return;
  }
  const value = (name: keyof typeof bpfSysctls) => readProcfsNumber(bpfSysctls[name]);
  const describe: Array<[keyof typeof bpfSysctls, (v: number) => string]> = [
    ["unprivileged_bpf_disabled", (v) =>
      v === 0 ? "bpf() syscall for unprivileged users is enabled"
      : v === 1 ? "bpf() syscall restricted to privileged users (without recovery)"
      : v === 2 ? "bpf() syscall restricted to privileged users (admin can change)"
      : v === -1 ? "Unable to retrieve required privileges for bpf() syscall"
      : `bpf() syscall restriction has unknown value ${v}`],
    ["bpf_jit_enable", (v) =>
      v === 0 ? "JIT compiler is disabled"
      : v === 1 ? "JIT compiler is enabled"
      : v === 2 ? "JIT compiler is enabled with debugging traces in kernel logs"
      : v === -1 ? "Unable to retrieve JIT-compiler status"
      : `JIT-compiler status has unknown value ${v}`],
    ["bpf_jit_harden", (v) =>
      v === 0 ? "JIT compiler hardening is disabled"
      : v === 1 ? "JIT compiler hardening is enabled for unprivileged users"
      : v === 2 ? "JIT compiler hardening is enabled for all users"
      : v === -1 ? "Unable to retrieve JIT hardening status"
      : `JIT hardening status has unknown value ${v}`],
    ["bpf_jit_kallsyms", (v) =>
      v === 0 ? "JIT compiler kallsyms exports are disabled"
      : v === 1 ? "JIT compiler kallsyms exports are enabled for root"
      : v === -1 ? "Unable to retrieve JIT kallsyms export status"
      : `JIT kallsyms exports status has unknown value ${v}`],
    ["bpf_jit_limit", (v) =>
      v === -1 ? "Unable to retrieve global memory limit for JIT compiler for unprivileged users"
      : `Global memory limit for JIT compiler for unprivileged users is ${v} bytes`],
  ];
  for (const [name, text] of describe) {
    const v = value(name);
    if (p.mode.kind === "json") p.mode.w.intField(name, v);
    else p.line(text(v));
  }
}

function configSection(p: Printer): void {
  const config = readKernelConfig();
  if (!config) {
    process.stderr.write("skipping kernel config, can't open file: No such file or directory\n");
    return;
  }
  for (const name of configOptions) {
    if (p.mode.kind === "macros" && name !== "CONFIG_HZ") continue;
    const raw = config.values.get(name);
    const value = raw === undefined || raw === null || raw === "" ? undefined : raw;
    if (p.mode.kind === "json") {
      if (value === undefined) p.mode.w.nullField(name);
      else p.mode.w.stringField(name, value);
    } else if (p.mode.kind === "macros") {
      p.line(value === undefined ? `/* ${p.mode.prefix}${name} is not set */` : `#define ${p.mode.prefix}${name} ${value}`);
    } else {
      p.line(value === undefined ? `${name} is not set` : `${name} is set to ${value}`);
    }
  }
}

function bpfSyscallAvailable(): boolean {
  const r = rawBpf(5, 0, 0);
  return !(r < 0 && lastErrno() === Errno.ENOSYS);
}

function helperSection(p: Printer, supported: readonly boolean[], full: boolean): void {
  p.startSection("helpers", "Scanning eBPF helper functions...", "/*** eBPF helper functions ***/");
  if (p.mode.kind === "macros") {
    const x = p.mode.prefix;
    p.out +=
      `/*\n * Use ${x}HAVE_PROG_TYPE_HELPER(prog_type_name, helper_name)\n` +
      ` * to determine if <helper_name> is available for <prog_type_name>,\n * e.g.\n` +
      ` *\t#if ${x}HAVE_PROG_TYPE_HELPER(xdp, bpf_redirect)\n *\t\t// do stuff with this helper\n *\t#elif\n` +
      ` *\t\t// use a workaround\n *\t#endif\n */\n` +
      `#define ${x}HAVE_PROG_TYPE_HELPER(prog_type, helper)\t\\\n\t${x}BPF__PROG_TYPE_ ## prog_type ## __HELPER_ ## helper\n`;
  }
  for (let type = 1; type <= bpftool71.lastProgType; type++) {
    const tname = progTypeNames[type]!;
    const supportedType = supported[type] === true;
    if (p.mode.kind === "json") p.mode.w.name(`${tname}_available_helpers`).startArray();
    else if (p.mode.kind === "plain") p.out += `eBPF helpers supported for program type ${tname}:`;
    let any = false;
    for (let id = 1; id <= bpftool71.lastHelper; id++) {
      if (!full && skippedUnlessFull.has(id)) continue;
      const res = supportedType && helpersProbeable(type) && (probeHelper(type, id)?.bpftool ?? false);
      any ||= res;
      if (p.mode.kind === "json") {
        if (res) p.mode.w.string(helperNames[id]!);
      } else if (p.mode.kind === "macros") {
        p.line(`#define ${p.mode.prefix}BPF__PROG_TYPE_${tname}__HELPER_${helperNames[id]} ${res ? "1" : "0"}`);
      } else if (res) {
        p.out += `\n\t- ${helperNames[id]}`;
      }
    }
    if (p.mode.kind === "json") p.mode.w.endArray();
    else if (p.mode.kind === "plain") {
      p.out += "\n";
      if (!any) p.line(supportedType ? "\tCould not determine which helpers are available" : "\tProgram type not supported");
    }
  }
  p.endSection();
}

function missingCapabilities(): string[] {
  const caps = effectiveCapabilities();
  const wanted: Array<[string, number]> = [
    ["CAP_SYS_ADMIN", Capability.SYS_ADMIN],
    ["CAP_BPF", Capability.BPF],
    ["CAP_NET_ADMIN", Capability.NET_ADMIN],
    ["CAP_PERFMON", Capability.PERFMON],
  ];
  return wanted.filter(([, c]) => !hasCapability(c, caps)).map(([n]) => n);
}

/** The whole `feature probe` output as bpftool would print it. */
export function featureProbeOutput(options: { json: boolean; pretty: boolean; full: boolean; macros: boolean; prefix: string }): string {
  const mode: Mode = options.json
    ? { kind: "json", w: new BpftoolJson(options.pretty) }
    : options.macros
      ? { kind: "macros", prefix: options.prefix }
      : { kind: "plain" };
  const p = new Printer(mode);
  if (mode.kind === "json") mode.w.startObject();

  p.startSection("system_config", "Scanning system configuration...", "/*** Misc kernel config items ***/");
  sysctlSection(p);
  configSection(p);
  p.endSection();

  p.startSection("syscall_config", "Scanning system call availability...", "/*** System call availability ***/");
  const syscall = bpfSyscallAvailable();
  p.boolFeature("have_bpf_syscall", "bpf() syscall", "BPF_SYSCALL", syscall);
  p.endSection();

  if (syscall) {
    const supported: boolean[] = [];
    p.startSection("program_types", "Scanning eBPF program types...", "/*** eBPF program types ***/");
    for (let t = 1; t <= bpftool71.lastProgType; t++) {
      const name = progTypeNames[t]!;
      supported[t] = probeProgType(t);
      p.boolFeature(`have_${name}_prog_type`, `eBPF program_type ${name}`, `${name.toUpperCase()}_PROG_TYPE`, supported[t]!);
    }
    p.endSection();

    p.startSection("map_types", "Scanning eBPF map types...", "/*** eBPF map types ***/");
    for (let t = 1; t <= bpftool71.lastMapType; t++) {
      const name = mapTypeNames[t]!;
      p.boolFeature(`have_${name}_map_type`, `eBPF map_type ${name}`, `${name.toUpperCase()}_MAP_TYPE`, probeMapType(t));
    }
    p.endSection();

    helperSection(p, supported, options.full);

    p.startSection("misc", "Scanning miscellaneous eBPF features...", "/*** eBPF misc features ***/");
    for (const [feature, plain, define] of miscProbes) p.boolFeature(`have_${feature}`, plain, define, probeMisc(feature));
    p.endSection();
  }

  if (mode.kind === "json") {
    mode.w.endObject();
    return mode.w.finish();
  }
  return p.out;
}

function probe(args: string[], ctx: CliContext): number {
  let full = false;
  let macros = false;
  let prefix: string | undefined;
  let component = false;
  for (let i = 0; i < args.length; i++) {
    const word = matchKeyword(args[i]!, ["kernel", "dev", "full", "macros", "prefix", "unprivileged"], "argument");
    if (word === "kernel") {
      if (component) throw new UsageError("component to probe already specified");
      component = true;
    } else if (word === "full") full = true;
    else if (word === "macros") macros = true;
    else if (word === "prefix") {
      if (!macros) throw new UsageError("'prefix' argument can only be use after 'macros'");
      if (prefix !== undefined) throw new UsageError("'prefix' already defined");
      prefix = args[++i];
      if (prefix === undefined) throw new UsageError("'prefix' needs an argument");
    } else {
      throw new UsageError(`'${word}' is not supported by corebpf feature probe`, { hint: "offload devices and unprivileged probing are not implemented" });
    }
  }
  const missing = missingCapabilities();
  if (missing.length > 0) {
    throw new CoreBpfError("EPERM", `missing ${missing.map((m) => m + ", ").join("")}required for full feature probing; run as root or use 'unprivileged'`);
  }
  process.stdout.write(featureProbeOutput({ json: ctx.json, pretty: ctx.pretty, full, macros, prefix: prefix ?? "" }));
  return 0;
}

const builtinGroups: Record<string, () => string[]> = {
  prog_types: () => progTypeNames.slice(0, bpftool71.lastProgType + 1),
  map_types: () => mapTypeNames.slice(0, bpftool71.lastMapType + 1),
  attach_types: () => attachTypeNames.slice(0, bpftool71.lastAttachType + 1),
  link_types: () => linkTypeNames.slice(0, bpftool71.lastLinkType + 1),
  helpers: () => ["bpf_unspec", ...helperNames.slice(1, bpftool71.lastHelper + 1)],
};

function listBuiltins(args: string[], ctx: CliContext): number {
  const group = args[0];
  if (group === undefined) throw new UsageError("expected a GROUP: prog_types, map_types, attach_types, link_types or helpers");
  const names = builtinGroups[matchKeyword(group, Object.keys(builtinGroups), "group")]!();
  if (ctx.json) {
    const w = new BpftoolJson(ctx.pretty).startArray();
    for (const n of names) w.string(n);
    process.stdout.write(w.endArray().finish());
  } else {
    process.stdout.write(names.map((n) => n + "\n").join(""));
  }
  return 0;
}

const help =
  "Usage: corebpf feature probe [COMPONENT] [full] [macros [prefix PREFIX]]\n" +
  "       corebpf feature list_builtins GROUP\n" +
  "       corebpf feature help\n\n" +
  "       COMPONENT := { kernel }\n" +
  "       GROUP := { prog_types | map_types | attach_types | link_types | helpers }\n" +
  "       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} }\n";

export function run(args: string[], ctx: CliContext): number {
  const [verb, ...rest] = args;
  if (verb === undefined || verb === "help") {
    process.stdout.write(help);
    return verb === undefined ? 255 : 0;
  }
  switch (matchKeyword(verb, ["probe", "list_builtins", "help"], "command")) {
    case "probe":
      return probe(rest, ctx);
    case "list_builtins":
      return listBuiltins(rest, ctx);
    default:
      process.stdout.write(help);
      return 0;
  }
}
