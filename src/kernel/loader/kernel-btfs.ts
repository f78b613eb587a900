// The running kernel's BTF objects as a loader needs them: vmlinux's types,
// and each module's split BTF with an open fd (a kfunc or attach target in a
// module is named to the kernel by that fd). Modules are listed, as libbpf
// lists them, in BTF object id order, on first need; their fds live until
// close() (after the programs are loaded).
import type { Btf, BtfKind } from "../../btf/index.js";
import type { CoreModuleBtf } from "../../core/index.js";
import { ids, tryGetFdById } from "../bpf.js";
import { kernelBtf, kernelModuleBtf } from "../btf-files.js";
import { Fd } from "../fd.js";
import { btfInfo } from "../info.js";

export interface ModuleBtf {
  readonly name: string;
  readonly id: number;
  readonly btf: Btf;
  readonly fd: Fd;
}

/** Where a named type was found: vmlinux (module undefined) or a module. */
export interface KernelType {
  readonly btf: Btf;
  readonly id: number;
  readonly module: ModuleBtf | undefined;
}

export class KernelBtfs {
  #vmlinux: Btf | undefined;
  #modules: ModuleBtf[] | undefined;

  vmlinux(): Btf {
    return (this.#vmlinux ??= kernelBtf());
  }

  /** The loaded modules' BTFs with fds (none without the privilege to list BTF objects). */
  modules(): readonly ModuleBtf[] {
    if (this.#modules !== undefined) return this.#modules;
    const out: ModuleBtf[] = [];
    this.#modules = out;
    let list: number[];
    try {
      list = [...ids("btf")];
    } catch {
      return out;
    }
    for (const id of list) {
      const raw = tryGetFdById("btf", id);
      if (raw === undefined) continue;
      const fd = new Fd(raw);
      try {
        const info = btfInfo(fd.value);
        if (!info.kernelBtf || info.name === "vmlinux" || info.name === "") {
          fd.close();
          continue;
        }
        out.push({ name: info.name, id, btf: kernelModuleBtf(info.name), fd });
      } catch {
        fd.close();
      }
    }
    return out;
  }

  /** The modules as CO-RE candidates (read when CO-RE first needs them). */
  coreModules = (): CoreModuleBtf[] => this.modules().map((m) => ({ name: m.name, btf: m.btf }));

  /** A type of `kind` named `name`: vmlinux first, then each module (libbpf's find_ksym_btf_id). */
  find(name: string, kind: BtfKind): KernelType | undefined {
    const vm = this.vmlinux().find(name, kind);
    if (vm !== undefined) return { btf: this.vmlinux(), id: vm, module: undefined };
    for (const m of this.modules()) {
      const id = m.btf.find(name, kind);
      if (id !== undefined && m.btf.isOwn(id)) return { btf: m.btf, id, module: m };
    }
    return undefined;
  }

  close(): void {
    for (const m of this.#modules ?? []) m.fd.close();
    this.#modules = undefined;
  }
}
