// cgroup programs: a cgroup link (Linux 5.7+) or BPF_PROG_ATTACH with
// BPF_F_ALLOW_MULTI on older kernels, on a cgroup v2 directory.
import { NotSupportedError } from "../../errors.js";
import { type AttachTypeName, attachTypeOf } from "../flags.js";
import { Fd, type FdLike, fdOf } from "../fd.js";
import { type AttachType } from "../uapi.js";
import { AttachFlags } from "./attr.js";
import { Link } from "./link.js";
import { openReadOnly } from "./netns.js";
import { ProgAttachment } from "./prog-attach.js";
import { probeCgroupLink } from "./probes.js";

export interface CgroupOptions {
  /** "link", "attach" (BPF_PROG_ATTACH), or "auto": a link where the kernel has cgroup links. */
  via?: "auto" | "link" | "attach";
  /** BPF_PROG_ATTACH flags (default BPF_F_ALLOW_MULTI). */
  attachFlags?: number;
}

/** Opens a cgroup directory (cgroup v2) as the fd cgroup attachments take. */
export function openCgroup(path: string): Fd {
  return openReadOnly(path, "cgroup", true);
}

/**
 * Attaches a cgroup program (cgroup_skb, cgroup_sock, cgroup_sock_addr,
 * sock_ops, cgroup_device, cgroup_sysctl, cgroup_sockopt) to a cgroup given
 * by path or fd, for `attachType` ("cgroup_inet_ingress", AttachType...).
 */
export function attachCgroup(program: FdLike, cgroup: string | FdLike, attachType: AttachType | AttachTypeName | number, options: CgroupOptions = {}): Link | ProgAttachment {
  const type = attachTypeOf(attachType);
  const what = `cgroup ${typeof cgroup === "string" ? cgroup : `fd ${fdOf(cgroup)}`}`;
  const via = options.via ?? "auto";
  using opened = typeof cgroup === "string" ? openCgroup(cgroup) : undefined;
  const target: FdLike = opened ?? (cgroup as FdLike);
  if (via === "link" && !probeCgroupLink()) throw new NotSupportedError("cgroup_link", `${what}: this kernel has no cgroup links (Linux 5.7+)`, { hint: "use via 'attach' or 'auto'" });
  if (via === "link" || (via === "auto" && probeCgroupLink())) {
    return Link.create("cgroup", program, fdOf(target), type, {
      ctx: { object: what, invalidHint: "the program's expected attach type must match, and the path must be a cgroup v2 directory" },
    });
  }
  return ProgAttachment.attach("cgroup", program, target, type, options.attachFlags ?? AttachFlags.ALLOW_MULTI);
}
