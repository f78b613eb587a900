// The attach layer: links and every way a program is attached.
export { Link, type Attachment, type Owned, type LinkCreateOptions } from "./link.js";
export { linkDetails, PerfEventLinkType, type LinkDetails, type PerfEventLinkDetails } from "./link-info.js";
export { attachTracepoint, attachRawTracepoint, splitTracepoint, type RawTracepointOptions } from "./tracepoint.js";
export {
  PerfType,
  PerfSoftware,
  PerfHardware,
  PerfSample,
  PerfIoctl,
  PerfEventAttachment,
  PerfEventError,
  perfEventOpen,
  perfIoctl,
  attachToPerfEvent,
  encodePerfEventAttr,
  type PerfEventSpec,
  type PerfAttachOptions,
} from "./perf-event.js";
export { attachKprobe, parseKprobeTarget, type KprobeOptions } from "./kprobe.js";
export { attachUprobe, parseUprobeTarget, resolveUprobe, type UprobeOptions, type UprobeTarget } from "./uprobe.js";
export { openProbeEvent, probeUnavailable, legacyTarget, type ProbeMode, type ProbeEventRequest } from "./probe-event.js";
export { AttachmentGroup, buildGroup } from "./group.js";
export { attachPerfEvent, type PerfSamplingOptions } from "./perf-sampling.js";
export { tracingTarget, requireTracing, loadTracing, attachTracing, attachIter, iterCreate, readIter, type TracingTarget, type TracingAttachOptions, type IterOptions } from "./tracing.js";
export {
  probePerfLink,
  probeTcx,
  probeCgroupLink,
  probeXdpLink,
  probeKprobePmu,
  probeUprobePmu,
  probeKprobeEvents,
  probeUprobeEvents,
  probeTracing,
  tracingKinds,
  type TracingKind,
  type TracingVerdict,
  type ProbePmu,
} from "./probes.js";
