// The table of CLI objects (`corebpf OBJECT ...`). Each entry loads its module
// only when used, so start-up pays only for the verb being run.
import type { CliContext } from "./args.js";

export interface CommandModule {
  run(args: string[], ctx: CliContext): Promise<number | void> | number | void;
}

export const objects: Record<string, () => Promise<CommandModule>> = {
  btf: () => import("./btf.js"),
  core: () => import("./core.js"),
  feature: () => import("./feature.js"),
  link: () => import("./link.js"),
  map: () => import("./map.js"),
  obj: () => import("./obj.js"),
  prog: () => import("./prog.js"),
  run: () => import("./run.js"),
};
