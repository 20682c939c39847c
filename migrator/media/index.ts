/**
 * The transfer media: what carries a stream from its archive module to its
 * restore module. This file lists the public exports by name and builds a
 * medium from the `medium` option of a migration.
 *
 * Faults it must survive: a medium option from outside (CLI flags, JSON
 * files) of the wrong shape — BAD_CONFIG naming the valid kinds.
 */
import { AmpsimError, showValue } from "../../engine/errors.js";
import { MemoryMedium } from "./memory-medium.js";
import type { MemoryMediumOptions } from "./memory-medium.js";
import { NetworkMedium } from "./network-medium.js";
import type { NetworkMediumOptions } from "./network-medium.js";
import { PipeMedium } from "./pipe-medium.js";
import type { PipeMediumOptions } from "./pipe-medium.js";
import { StorageMedium } from "./storage-medium.js";
import type { StorageMediumOptions } from "./storage-medium.js";
import type { MediumKind, TransferMedium } from "./transfer-medium.js";

export { MemoryMedium } from "./memory-medium.js";
export type { MemoryMediumOptions } from "./memory-medium.js";
export { PipeMedium, SocketFrameSink, socketFrames } from "./pipe-medium.js";
export type { FrameBytesHook, PipeMediumOptions, SocketFrameSinkOptions } from "./pipe-medium.js";
export { NetworkMedium } from "./network-medium.js";
export type { NetworkMediumOptions } from "./network-medium.js";
export { StorageMedium, MANIFEST_FILE, ARCHIVE_FORMAT, ARCHIVE_VERSION, parseManifest, streamFileName } from "./storage-medium.js";
export type {
  ArchiveBatch, ArchiveManifest, ArchiveRegion, ArchiveStream, ArchiveTable, StorageMediumOptions, TableInfo,
} from "./storage-medium.js";
export type {
  Frame, FrameSink, FrameSource, MediumKind, StreamChannel, StreamId, TransferMedium,
} from "./transfer-medium.js";

/** What `createMedium` accepts: a kind by name, or a kind with its options. */
export type MediumSpec =
  | MediumKind
  | ({ readonly kind: "memory" } & MemoryMediumOptions)
  | ({ readonly kind: "pipe" } & PipeMediumOptions)
  | ({ readonly kind: "network" } & NetworkMediumOptions)
  | ({ readonly kind: "storage" } & StorageMediumOptions);

const VALID_KINDS = `"memory", "pipe", "network", { kind: "storage", dir } (or { kind, ...options } for any of them)`;

/**
 * Builds the transfer medium a spec names. BAD_CONFIG, listing the valid
 * kinds, for anything else (including "storage" without a directory).
 *
 * @example
 * const medium = createMedium({ kind: "storage", dir: "./archive" });
 * const fast = createMedium("memory");
 */
export function createMedium(spec: MediumSpec): TransferMedium {
  const kind: unknown = typeof spec === "string" ? spec : spec !== null && typeof spec === "object" ? (spec as { kind?: unknown }).kind : undefined;
  const options = typeof spec === "object" && spec !== null ? spec : {};
  switch (kind) {
    case "memory": return new MemoryMedium(options as MemoryMediumOptions);
    case "pipe": return new PipeMedium(options as PipeMediumOptions);
    case "network": return new NetworkMedium(options as NetworkMediumOptions);
    case "storage": {
      const dir = (options as Partial<StorageMediumOptions>).dir;
      if (typeof dir !== "string" || dir.length === 0) {
        throw new AmpsimError("BAD_CONFIG", `the storage medium needs a directory: { kind: "storage", dir: "./archive" }, but found ${showValue(spec)}`, { option: "medium" });
      }
      return new StorageMedium(options as StorageMediumOptions);
    }
    default:
      throw new AmpsimError("BAD_CONFIG", `unknown transfer medium ${showValue(spec)}; valid: ${VALID_KINDS}`, { option: "medium" });
  }
}
