// What a load has created so far, so that a failure releases all of it:
// kernel objects closed in reverse order, pins and pin directories this load
// made removed.
import { rmdirSync, unlinkSync } from "node:fs";

interface Closable {
  close(): void;
}

export class LoadResources {
  readonly #owned: Closable[] = [];
  readonly #pins: string[] = [];
  readonly #directories: string[] = [];

  /** Takes `x` into the load's care until commit(); returns it. */
  own<T extends Closable>(x: T): T {
    this.#owned.push(x);
    return x;
  }

  /** Records a pin this load created (removed again if the load fails). */
  pinned(path: string): void {
    this.#pins.push(path);
  }

  /** Records directories this load created for its pins, outermost first (removed again if the load fails). */
  madeDirectories(paths: readonly string[]): void {
    this.#directories.push(...paths);
  }

  /** Closes everything and removes the pins and their new directories, newest first; errors while releasing are ignored. */
  release(): void {
    for (const path of this.#pins.splice(0).reverse()) {
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    }
    for (const dir of this.#directories.splice(0).reverse()) {
      try {
        rmdirSync(dir); // only if empty: someone else's pins stay
      } catch {
        // not empty, or already gone
      }
    }
    for (const x of this.#owned.splice(0).reverse()) {
      try {
        x.close();
      } catch {
        // keep releasing the rest
      }
    }
  }

  /** The load succeeded: the caller now owns everything. */
  commit(): void {
    this.#owned.length = 0;
    this.#pins.length = 0;
    this.#directories.length = 0;
  }
}
