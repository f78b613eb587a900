// Running any CO-RE object the way `corebpf run` does: load it (CO-RE against
// the running kernel or a BTF file), attach every program whose section says
// where (and those whose target the options give: interface, cgroup), open a
// consumer on every ring buffer and perf buffer map, and hand each record over
// decoded through the object's BTF when a struct fits it. close() stops the
// consumers, detaches, then closes the object: nothing stays in the kernel
// but what the object pinned by name.
import { performance } from "node:perf_hooks";
import { CoreBpfError, NotSupportedError } from "../errors.js";
import type { Btf } from "../btf/btf.js";
import { BtfKind } from "../btf/kinds.js";
import { kernelBtf } from "../kernel/btf-files.js";
import { AttachmentGroup } from "../kernel/attach/group.js";
import { Link, type Attachment } from "../kernel/attach/link.js";
import { attachSection, type SectionAttachOptions } from "../kernel/attach/auto-attach.js";
import { parseSection, type SectionInfo } from "../kernel/attach/sections.js";
import type { Map as BpfMap } from "../kernel/map.js";
import { linkInfo, mapInfo, programInfo } from "../kernel/info.js";
import { openObject } from "../kernel/loader/object.js";
import type { BpfObject, LoadedProgram } from "../kernel/loader/bpf-object.js";
import type { LoadLog } from "../kernel/loader/settings.js";
import { MapType } from "../kernel/uapi.js";
import type { MapKind } from "../obj/index.js";
import type { RawHandler } from "./consumer.js";
import { loadSupported, type SkippedPart } from "./load-supported.js";
import { PerfBuffer } from "./perf-buffer.js";
import { RingBuffer } from "./ring-buffer.js";
import { RecordTypes, kernelTypeIds, type RecordTypeChoice, type RecordTypeExclusions } from "./run-records.js";

export interface ObjectRunOptions {
  /** CO-RE target BTF file (default: the running kernel's). */
  btf?: string;
  /** Base BTF when `btf` is split. */
  baseBtf?: string;
  /** xdp/tc programs are attached to this interface (none without it, as libbpf). */
  iface?: string | number;
  /** cgroup programs are attached to this cgroup (none without it, as libbpf). */
  cgroup?: string;
  /** uprobes and USDT: only this process. */
  pid?: number;
  /** Record types by map name ("struct event"), instead of guessing by size. */
  recordTypes?: Readonly<Record<string, string>>;
  /** Data pages per CPU of perf buffers (default 64). */
  perfPages?: number;
  /** The loader's messages. */
  log?: LoadLog;
}

/** What became of one program of the object. */
export interface ProgramOutcome {
  readonly name: string;
  readonly section: string;
  /** Program id (0 when not loaded). */
  readonly id: number;
  readonly attached: boolean;
  /** The attachment's kind ("tracepoint", "perf_event"...) when attached. */
  readonly kind?: string;
  /** Ids of the BPF links made (none for attachments without links). */
  readonly linkIds: readonly number[];
  /** Why it is not attached (or, with id 0, not loaded). */
  readonly reason?: string;
  /** The error code, when loading or attaching failed ("NOT_SUPPORTED"...). */
  readonly code?: string;
}

/** A ring buffer or perf buffer map being consumed. */
export interface EventStream {
  readonly map: string;
  readonly kind: "ringbuf" | "perf";
  readonly id: number;
}

/** One record, decoded when a type was found. */
export interface RunEvent {
  readonly type: "event";
  readonly stream: EventStream;
  /** Perf buffers: the CPU; ring buffers: 0. */
  readonly cpu: number;
  /** Record length in bytes (perf buffers: padded by the kernel). */
  readonly size: number;
  /** The BTF type used, or undefined (then `bytes` holds a copy of the record). */
  readonly recordType: RecordTypeChoice | undefined;
  readonly value: Record<string, unknown> | undefined;
  readonly bytes: Uint8Array | undefined;
}

/** Samples a perf buffer reported lost. */
export interface RunLost {
  readonly type: "lost";
  readonly stream: EventStream;
  readonly cpu: number;
  readonly count: number;
}

export type RunRecord = RunEvent | RunLost;

/** performance.now() stamps (ms since the process started). */
export interface RunTimings {
  readonly start: number;
  readonly loaded: number;
  readonly attached: number;
}

/**
 * Where a section's program goes without being told, or why it does not.
 * As libbpf, xdp, tc, cgroup and netns programs are not auto-attached: xdp/tc
 * go to --iface and cgroup programs to --cgroup when given. perf_event
 * programs sample cpu-clock on every CPU (libbpf leaves them to the user).
 */
function attachPlan(info: SectionInfo | undefined, options: ObjectRunOptions): { attach: SectionAttachOptions } | { reason: string } {
  if (info === undefined) return { reason: "section unknown to libbpf" };
  const base: SectionAttachOptions = options.pid === undefined ? {} : { pid: options.pid };
  if (info.autoAttach !== undefined) return { attach: base };
  switch (info.needs) {
    case "perf_event":
      return { attach: base };
    case "interface":
      return options.iface === undefined ? { reason: "needs an interface: --iface IF" } : { attach: { ...base, iface: options.iface } };
    case "cgroup":
      return options.cgroup === undefined ? { reason: "needs a cgroup: --cgroup PATH" } : { attach: { ...base, cgroup: options.cgroup } };
    case "netns":
      return { reason: "attaches to a network namespace: sk_lookup and flow_dissector programs are not auto-attached (as libbpf)" };
    case "socket":
      return { reason: "attaches to a socket the user opens" };
    case "sockmap":
      return { reason: "attaches to a sockmap" };
    case "target_name":
      return { reason: "its section names no target" };
    case "target_program":
      return { reason: "replaces a function of another program" };
    default:
      return { reason: "not attachable by section name" };
  }
}

/** The error when every program the object would load was left out. */
function noneLoads(what: string, left: readonly SkippedPart[]): NotSupportedError {
  const lines = left.map((s) => `\n  ${s.name} (${s.section}): ${s.reason}`).join("");
  return new NotSupportedError("programs", `none of the programs of ${what} can be loaded on this kernel:${lines}`);
}

/** Whether the running kernel's BTF has a struct of this name and size (never, without kernel BTF). */
function kernelStructCheck(): (name: string, size: number) => boolean {
  let vmlinux: Btf | null | undefined;
  return (name, size) => {
    if (vmlinux === undefined) {
      try {
        vmlinux = kernelBtf();
      } catch {
        vmlinux = null;
      }
    }
    if (vmlinux === null) return false;
    return vmlinux.findAll(name, BtfKind.STRUCT).some((id) => vmlinux!.sizeOrType(id) === size);
  };
}

function linkIdsOf(a: Attachment): number[] {
  if (a instanceof Link) return [linkInfo(a.fd.value).id];
  if (a instanceof AttachmentGroup) return a.members.flatMap((m) => linkIdsOf(m));
  return [];
}

function attachOne(p: LoadedProgram, options: ObjectRunOptions): { outcome: ProgramOutcome; attachment?: Attachment } {
  const section = p.spec.section;
  const id = programInfo(p.program.fd.value).id;
  const info = parseSection(section);
  const plan = attachPlan(info, options);
  if ("reason" in plan) return { outcome: { name: p.name, section, id, attached: false, linkIds: [], reason: plan.reason } };
  try {
    const attachment = attachSection(p.program, info!, plan.attach);
    try {
      return { outcome: { name: p.name, section, id, attached: true, kind: attachment.kind, linkIds: linkIdsOf(attachment) }, attachment };
    } catch (err) {
      attachment.close();
      throw err;
    }
  } catch (err) {
    if (!(err instanceof CoreBpfError)) throw err;
    const reason = err instanceof NotSupportedError ? `not supported here: ${err.message}` : err.message;
    return { outcome: { name: p.name, section, id, attached: false, linkIds: [], reason, code: err.code } };
  }
}

/** A running object: its attachments and event consumers. Start with ObjectRun.start(). */
export class ObjectRun implements Disposable {
  readonly object: BpfObject;
  /** Every program of the object: attached, or why not (not loaded where this kernel lacks its type or attach kind). */
  readonly programs: readonly ProgramOutcome[];
  /** Maps left out because this loader cannot create them (struct_ops). */
  readonly mapsNotCreated: readonly SkippedPart[];
  readonly streams: readonly EventStream[];
  readonly timings: RunTimings;
  /** Records handed over (events, not loss reports). */
  events = 0;
  /** Samples perf buffers reported lost. */
  lost = 0;
  readonly #attachments: Attachment[];
  readonly #consumers: { consumer: PerfBuffer | RingBuffer; streams: EventStream[]; types: RecordTypes[] }[] = [];
  #handler: ((record: RunRecord) => void) | undefined;
  #onEnd: ((err: unknown) => void) | undefined;
  #closed = false;

  private constructor(
    object: BpfObject,
    programs: ProgramOutcome[],
    mapsNotCreated: SkippedPart[],
    attachments: Attachment[],
    timings: { start: number; loaded: number },
    options: ObjectRunOptions,
  ) {
    this.object = object;
    this.programs = programs;
    this.mapsNotCreated = mapsNotCreated;
    this.#attachments = attachments;
    const btf = object.spec.btf;
    const exclude: RecordTypeExclusions = { ids: btf === undefined ? new Set() : kernelTypeIds(btf, object.spec.programs), kernelStruct: kernelStructCheck() };
    const typeOf = (map: string) => options.recordTypes?.[map];
    const streams: EventStream[] = [];
    const rings: { stream: EventStream; map: BpfMap<unknown, unknown> }[] = [];
    try {
      for (const [name, map] of object.maps) {
        if (map.type !== MapType.RINGBUF && map.type !== MapType.PERF_EVENT_ARRAY) continue;
        const stream: EventStream = { map: name, kind: map.type === MapType.RINGBUF ? "ringbuf" : "perf", id: mapInfo(map.fd.value).id };
        streams.push(stream);
        if (stream.kind === "ringbuf") {
          rings.push({ stream, map });
          continue;
        }
        const types = [new RecordTypes(btf, name, "padded", exclude, typeOf(name))];
        const perf = new PerfBuffer(map, {
          ...(options.perfPages === undefined ? {} : { pages: options.perfPages }),
          onLost: (count, cpu) => this.#lost(stream, cpu, count),
          onError: (err) => this.#failed(err),
        });
        this.#consumers.push({ consumer: perf, streams: [stream], types });
      }
      for (const map of Object.keys(options.recordTypes ?? {})) {
        if (!streams.some((x) => x.map === map)) {
          throw new CoreBpfError("NO_SUCH_MAP", `record type given for '${map}', which is not a ring buffer or perf buffer of the object`, {
            hint: `its buffers: ${streams.map((x) => x.map).join(", ") || "none"}`,
          });
        }
      }
      if (rings.length > 0) {
        const types = rings.map((r) => new RecordTypes(btf, r.stream.map, "exact", exclude, typeOf(r.stream.map)));
        const ring = new RingBuffer(rings[0]!.map, { onError: (err) => this.#failed(err) });
        this.#consumers.push({ consumer: ring, streams: rings.map((r) => r.stream), types });
        for (const r of rings.slice(1)) ring.add(r.map);
      }
    } catch (err) {
      for (const c of this.#consumers) c.consumer.close(); // start() closes the attachments and the object
      throw err;
    }
    this.streams = streams;
    this.timings = { ...timings, attached: performance.now() };
  }

  /**
   * Loads `source` (a path or the object's bytes), attaches what can be, and
   * opens the event consumers; records flow once consume() is called. Programs
   * whose type or attach kind this kernel lacks are left out of the load, and
   * programs that cannot attach stay unattached: both are reported in
   * `programs`. It fails when a program is rejected for another reason (the
   * verifier), or when none of the object's programs can load here.
   */
  static async start(source: string | Uint8Array, options: ObjectRunOptions = {}): Promise<ObjectRun> {
    const start = performance.now();
    const opened = openObject(source);
    const { object, skipped } = await loadSupported(opened, {
      ...(options.btf === undefined ? {} : { btf: options.btf }),
      ...(options.baseBtf === undefined ? {} : { baseBtf: options.baseBtf }),
      ...(options.log === undefined ? {} : { log: options.log }),
    });
    const loaded = performance.now();
    const attachments: Attachment[] = [];
    try {
      const left = skipped.filter((s) => s.kind === "program");
      if (object.loaded.length === 0 && left.length > 0) throw noneLoads(typeof source === "string" ? source : "the object", left);
      const outcomes: ProgramOutcome[] = [];
      const byName = new Map(object.loaded.map((p) => [p.name, p]));
      for (const spec of object.spec.programs) {
        const p = byName.get(spec.name);
        const skip = left.find((s) => s.name === spec.name);
        if (p === undefined) {
          const why = skip === undefined ? { reason: "autoload off" } : { reason: skip.reason, code: skip.code };
          outcomes.push({ name: spec.name, section: spec.section, id: 0, attached: false, linkIds: [], ...why });
          continue;
        }
        const { outcome, attachment } = attachOne(p, options);
        outcomes.push(outcome);
        if (attachment !== undefined) attachments.push(attachment);
      }
      return new ObjectRun(object, outcomes, skipped.filter((s) => s.kind === "map"), attachments, { start, loaded }, options);
    } catch (err) {
      for (const a of attachments) a.close();
      object.close();
      throw err;
    }
  }

  /**
   * Maps that are not event streams, in object order: what `corebpf run`
   * dumps at exit. Read-only data (.rodata, .kconfig) is left out unless
   * asked for: it holds what the object was loaded with, not what it did.
   */
  otherMaps(options: { readOnly?: boolean } = {}): { name: string; kind: MapKind; map: BpfMap<unknown, unknown> }[] {
    const streamed = new Set(this.streams.map((s) => s.map));
    const kinds = new Map(this.object.spec.maps.map((m) => [m.name, m.kind]));
    return [...this.object.maps]
      .map(([name, map]) => ({ name, kind: kinds.get(name) ?? "btf", map }))
      .filter((m) => !streamed.has(m.name) && (options.readOnly === true || (m.kind !== "rodata" && m.kind !== "kconfig")));
  }

  /**
   * Hands every record to `handler` as it arrives (on the event loop) until
   * close(). `onEnd` is called once if a consumer fails (the run is then closed).
   */
  consume(handler: (record: RunRecord) => void, onEnd?: (err: unknown) => void): this {
    if (this.#closed) throw new CoreBpfError("CLOSED", "this run is closed");
    this.#handler = handler;
    this.#onEnd = onEnd;
    for (const c of this.#consumers) c.consumer.onRaw(this.#sink(c.streams, c.types));
    return this;
  }

  #sink(streams: readonly EventStream[], types: readonly RecordTypes[]): RawHandler {
    const perf = streams[0]?.kind === "perf";
    return (view, offset, size, source) => {
      const index = perf ? 0 : source;
      const stream = streams[index]!;
      const entry = types[index]!.lookup(size);
      let value: Record<string, unknown> | undefined;
      if (entry !== null) {
        try {
          value = entry.decode(view, offset, size);
        } catch {
          value = undefined; // shorter than a user-given type: hex
        }
      }
      this.events++;
      this.#handler?.({
        type: "event",
        stream,
        cpu: perf ? source : 0,
        size,
        recordType: value === undefined ? undefined : entry!.choice,
        value,
        bytes: value === undefined ? new Uint8Array(view.buffer, view.byteOffset + offset, size).slice() : undefined,
      });
    };
  }

  #lost(stream: EventStream, cpu: number, count: number): void {
    this.lost += count;
    this.#handler?.({ type: "lost", stream, cpu, count });
  }

  #failed(err: unknown): void {
    const onEnd = this.#onEnd;
    this.close();
    onEnd?.(err);
  }

  /** Drains what is published now (before close: records already in the buffers are not lost). */
  flush(): void {
    if (this.#closed || this.#handler === undefined) return;
    for (const c of this.#consumers) if (!c.consumer.closed) c.consumer.consume();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Detaches every program now (no new records), keeping the consumers and maps open for a last flush and dump. */
  detach(): void {
    let first: unknown;
    for (const a of this.#attachments.splice(0)) {
      try {
        a.close();
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  }

  /** Stops the consumers (mappings released), detaches every program, closes the object. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handler = undefined;
    let first: unknown;
    const attempt = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        first ??= err;
      }
    };
    for (const c of this.#consumers) attempt(() => c.consumer.close());
    for (const a of this.#attachments) attempt(() => a.close());
    attempt(() => this.object.close());
    if (first !== undefined) throw first;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

