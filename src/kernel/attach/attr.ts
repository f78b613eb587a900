// union bpf_attr layouts of the attach commands (uapi, checked against the
// running kernel's BTF in test/attach/attr.test.ts) and their flag bits.

/** BPF_LINK_CREATE. The union after `flags` is read per attach kind. */
export const LinkCreate = {
  prog_fd: 0,
  target_fd: 4,
  target_ifindex: 4,
  attach_type: 8,
  flags: 12,
  /** target_btf_id (freplace), or the start of the per-kind union. */
  target_btf_id: 16,
  iter_info: 16,
  iter_info_len: 24,
  perf_event_bpf_cookie: 16,
  tracing_target_btf_id: 16,
  tracing_cookie: 24,
  /** tcx / netkit / cgroup (mprog): relative_fd or relative_id, then expected_revision. */
  relative_fd: 16,
  expected_revision: 24,
} as const;

/** BPF_LINK_UPDATE. */
export const LinkUpdate = {
  link_fd: 0,
  new_prog_fd: 4,
  flags: 8,
  old_prog_fd: 12,
} as const;

/** BPF_LINK_DETACH. */
export const LinkDetach = { link_fd: 0 } as const;

/** BPF_ITER_CREATE. */
export const IterCreate = { link_fd: 0, flags: 4 } as const;

/** BPF_RAW_TRACEPOINT_OPEN. */
export const RawTracepointOpen = { name: 0, prog_fd: 8, cookie: 16 } as const;

/** BPF_PROG_ATTACH / BPF_PROG_DETACH. */
export const ProgAttach = {
  target_fd: 0,
  attach_bpf_fd: 4,
  attach_type: 8,
  attach_flags: 12,
  replace_bpf_fd: 16,
  relative_fd: 20,
  expected_revision: 24,
} as const;

/** BPF_PROG_QUERY. */
export const ProgQuery = {
  target_fd: 0,
  attach_type: 4,
  query_flags: 8,
  attach_flags: 12,
  prog_ids: 16,
  prog_cnt: 24,
  prog_attach_flags: 32,
  link_ids: 40,
  link_attach_flags: 48,
  revision: 56,
  size: 64,
} as const;

/** Flags of BPF_PROG_ATTACH (and of mprog LINK_CREATE). */
export const AttachFlags = {
  ALLOW_OVERRIDE: 1 << 0,
  ALLOW_MULTI: 1 << 1,
  REPLACE: 1 << 2,
  BEFORE: 1 << 3,
  AFTER: 1 << 4,
  ID: 1 << 5,
  LINK: 1 << 13,
} as const;

/** Flags of BPF_LINK_UPDATE. */
export const LinkUpdateFlags = { REPLACE: 1 << 2 } as const;

/** XDP_FLAGS_* (LINK_CREATE flags of an XDP link, IFLA_XDP_FLAGS). */
export const XdpFlags = {
  UPDATE_IF_NOEXIST: 1 << 0,
  SKB_MODE: 1 << 1,
  DRV_MODE: 1 << 2,
  HW_MODE: 1 << 3,
  REPLACE: 1 << 4,
} as const;
