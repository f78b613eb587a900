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
export { withNetns, resolveIfindex, openNetns, type NetnsRef } from "./netns.js";
export { attachXdp, queryXdpPrograms, XdpNetlinkAttachment, type XdpMode, type XdpOptions } from "./xdp.js";
export { attachTc, tcFilters, TcNetlinkAttachment, type TcDirection, type TcOptions } from "./tc.js";
export { attachCgroup, openCgroup, type CgroupOptions } from "./cgroup.js";
export { attachSocketFilter, attachReuseport, SocketFilterAttachment } from "./socket-filter.js";
export { attachNetns } from "./netns-link.js";
export { progAttach, progDetach, queryPrograms, ProgAttachment, QUERY_EFFECTIVE, type ProgQueryResult } from "./prog-attach.js";
export { AttachFlags, XdpFlags } from "./attr.js";
export { parseSection, sectionDefinitions, type SectionInfo, type AutoAttach, type AttachNeeds } from "./sections.js";
export { attachSection, syscallFunction, type SectionAttachOptions } from "./auto-attach.js";
export { attachUsdt, usdtSites, type UsdtOptions } from "./usdt.js";
