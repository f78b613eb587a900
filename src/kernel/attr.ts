// union bpf_attr: field offsets per command (uapi layout, checked against the
// running kernel's BTF in test/kernel/attr.test.ts) and the one native buffer
// every command is encoded into.
//
// Size policy: each command passes the size up to the end of the last non-zero
// field it wrote, so an older kernel accepts every call that does not use its
// newer fields, and an E2BIG names the field that was too new.
import { NativeBuffer, LE, setU64 } from "./sys.js";

/** sizeof(union bpf_attr) in the uapi this table follows (Linux 7.2). */
export const ATTR_SIZE = 168;

/** BPF_OBJ_NAME_LEN: names are at most 15 bytes plus NUL. */
export const OBJ_NAME_LEN = 16;

/** BPF_MAP_CREATE. */
export const MapCreate = {
  map_type: 0,
  key_size: 4,
  value_size: 8,
  max_entries: 12,
  map_flags: 16,
  inner_map_fd: 20,
  numa_node: 24,
  map_name: 28,
  map_ifindex: 44,
  btf_fd: 48,
  btf_key_type_id: 52,
  btf_value_type_id: 56,
  btf_vmlinux_value_type_id: 60,
  map_extra: 64,
  value_type_btf_obj_fd: 72,
  map_token_fd: 76,
} as const;

/** BPF_MAP_*_ELEM, BPF_MAP_GET_NEXT_KEY, BPF_MAP_FREEZE. */
export const MapElem = {
  map_fd: 0,
  key: 8,
  value: 16,
  next_key: 16,
  flags: 24,
  /** offsetofend(flags) */
  size: 32,
} as const;

/** BPF_MAP_*_BATCH. */
export const MapBatch = {
  in_batch: 0,
  out_batch: 8,
  keys: 16,
  values: 24,
  count: 32,
  map_fd: 36,
  elem_flags: 40,
  flags: 48,
  size: 56,
} as const;

/** BPF_PROG_LOAD. */
export const ProgLoad = {
  prog_type: 0,
  insn_cnt: 4,
  insns: 8,
  license: 16,
  log_level: 24,
  log_size: 28,
  log_buf: 32,
  kern_version: 40,
  prog_flags: 44,
  prog_name: 48,
  prog_ifindex: 64,
  expected_attach_type: 68,
  prog_btf_fd: 72,
  func_info_rec_size: 76,
  func_info: 80,
  func_info_cnt: 88,
  line_info_rec_size: 92,
  line_info: 96,
  line_info_cnt: 104,
  attach_btf_id: 108,
  attach_prog_fd: 112,
  attach_btf_obj_fd: 112,
  core_relo_cnt: 116,
  fd_array: 120,
  core_relos: 128,
  core_relo_rec_size: 136,
  log_true_size: 140,
  prog_token_fd: 144,
  fd_array_cnt: 148,
} as const;

/** BPF_OBJ_PIN, BPF_OBJ_GET. */
export const ObjPin = {
  pathname: 0,
  bpf_fd: 8,
  file_flags: 12,
  path_fd: 16,
} as const;

/** BPF_PROG_TEST_RUN. */
export const TestRun = {
  prog_fd: 0,
  retval: 4,
  data_size_in: 8,
  data_size_out: 12,
  data_in: 16,
  data_out: 24,
  repeat: 32,
  duration: 36,
  ctx_size_in: 40,
  ctx_size_out: 44,
  ctx_in: 48,
  ctx_out: 56,
  flags: 64,
  cpu: 68,
  batch_size: 72,
} as const;

/** BPF_*_GET_NEXT_ID, BPF_*_GET_FD_BY_ID. */
export const GetId = {
  start_id: 0,
  next_id: 4,
  open_flags: 8,
  fd_by_id_token_fd: 12,
} as const;

/** BPF_OBJ_GET_INFO_BY_FD. */
export const InfoByFd = {
  bpf_fd: 0,
  info_len: 4,
  info: 8,
  size: 16,
} as const;

/** BPF_BTF_LOAD. */
export const BtfLoad = {
  btf: 0,
  btf_log_buf: 8,
  btf_size: 16,
  btf_log_size: 20,
  btf_log_level: 24,
  btf_log_true_size: 28,
  btf_flags: 32,
  btf_token_fd: 36,
} as const;

/** BPF_ENABLE_STATS. */
export const EnableStats = {
  type: 0,
} as const;

/**
 * The process-wide attribute buffer. Calls are synchronous, so one buffer
 * serves every command: begin() zeroes it, the setters record the end of the
 * last non-zero field (the size to pass) and its name (for E2BIG advice).
 */
export class Attr {
  readonly buf = NativeBuffer.alloc(256);
  readonly view = this.buf.view;
  readonly address = this.buf.address;
  /** End offset of the last non-zero field written since begin(). */
  end = 0;
  /** Name of that field. */
  field: string | undefined;

  /** Zeroes the buffer; `minSize` is the size to pass even if every field is zero. */
  begin(minSize = 0): this {
    this.buf.bytes.fill(0, 0, ATTR_SIZE);
    this.end = minSize;
    this.field = undefined;
    return this;
  }

  #mark(offset: number, width: number, name: string): void {
    if (offset + width >= this.end) {
      this.end = offset + width;
      this.field = name;
    }
  }

  u32(offset: number, name: string, value: number): this {
    if (value !== 0) {
      this.view.setUint32(offset, value >>> 0, LE);
      this.#mark(offset, 4, name);
    }
    return this;
  }

  s32(offset: number, name: string, value: number): this {
    if (value !== 0) {
      this.view.setInt32(offset, value, LE);
      this.#mark(offset, 4, name);
    }
    return this;
  }

  u64(offset: number, name: string, value: number | bigint): this {
    if (typeof value === "bigint") {
      if (value !== 0n) {
        this.view.setBigUint64(offset, BigInt.asUintN(64, value), LE);
        this.#mark(offset, 8, name);
      }
    } else if (value !== 0) {
      setU64(this.view, offset, value);
      this.#mark(offset, 8, name);
    }
    return this;
  }

  /** A NUL-padded name of at most OBJ_NAME_LEN - 1 bytes. */
  name(offset: number, field: string, bytes: Uint8Array): this {
    if (bytes.length > 0) {
      this.buf.bytes.set(bytes.subarray(0, OBJ_NAME_LEN - 1), offset);
      this.#mark(offset, OBJ_NAME_LEN, field);
    }
    return this;
  }

  getU32(offset: number): number {
    return this.view.getUint32(offset, LE);
  }
}

/** The attribute buffer shared by every command of this process. */
export const attr = new Attr();
