// corebpf: the public entry point re-exports each layer's API.
export * from "./errors.js";
export * from "./elf/index.js";
export * from "./asm/index.js";
