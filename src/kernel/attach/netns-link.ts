// Programs attached to a network namespace: sk_lookup and flow_dissector
// (netns links, Linux 5.8+; flow_dissector by BPF_PROG_ATTACH before).
import { type FdLike } from "../fd.js";
import { AttachType } from "../uapi.js";
import { Link } from "./link.js";
import { type NetnsRef, openNetns } from "./netns.js";

/** Attaches an sk_lookup or flow_dissector program to a network namespace (default: this process's). */
export function attachNetns(program: FdLike, attachType: typeof AttachType.SK_LOOKUP | typeof AttachType.FLOW_DISSECTOR, netns: NetnsRef = "/proc/self/ns/net"): Link {
  using fd = openNetns(netns);
  const kind = attachType === AttachType.SK_LOOKUP ? "sk_lookup" : "flow_dissector";
  return Link.create(kind, program, fd.value, attachType, { ctx: { object: `${kind} on ${typeof netns === "string" ? netns : "network namespace"}` } });
}
