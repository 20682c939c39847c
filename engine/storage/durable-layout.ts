/**
 * The directory layout of a durable engine and the shapes of its JSON files
 * (docs/STORAGE_FORMAT.md describes both for readers outside this code):
 *
 *   dir/CURRENT                         the commit point: names the state
 *   dir/config.json                     configuration, written once at creation
 *   dir/catalog-<version>.json          catalog versions
 *   dir/amp-0000/manifest-<version>.json  the AMP's tables: runs and nextUniqueness
 *   dir/amp-0000/seg-<sequence>-<n>.arrow one stored run, an Arrow IPC file
 *
 * Versions and sequences are commit sequence numbers (12 digits). Every file but
 * CURRENT is immutable once written; only files the state in CURRENT reaches are
 * part of the system, everything else of these names is garbage to delete.
 */

export const CURRENT_FILE = "CURRENT";
export const CONFIG_FILE = "config.json";

/** The `format` field of each JSON file; a reader refuses other formats. */
export const FORMATS = Object.freeze({
  current: "ampsim-current/1",
  config: "ampsim-config/1",
  catalog: "ampsim-catalog/1",
  manifest: "ampsim-manifest/1",
});

/** One segment file as a manifest lists it. */
export interface SegmentRef {
  /** File name inside the AMP's directory. */
  readonly file: string;
  readonly rows: number;
  /** Bytes of the run in memory (user columns + 8 a row), as permanent space counts them. */
  readonly bytes: number;
  /** Size of the file. */
  readonly fileBytes: number;
  /** CRC-32 of the whole file. */
  readonly crc32: number;
}

/** One table's fragment on one AMP as a manifest lists it. */
export interface StoredFragment {
  readonly nextUniqueness: number;
  readonly runs: readonly SegmentRef[];
}

/** The body of `amp-NNNN/manifest-<version>.json`: tables by id. */
export interface ManifestBody {
  readonly amp: number;
  readonly version: number;
  readonly tables: Readonly<Record<string, StoredFragment>>;
}

/** The body of CURRENT: the committed state. */
export interface CurrentBody {
  readonly sequence: number;
  /** Version of the catalog file. */
  readonly catalog: number;
  /** Version of each AMP's manifest, by AMP number; null for an AMP that never stored a row. */
  readonly manifests: readonly (number | null)[];
}

/** The body of config.json. */
export interface ConfigBody {
  readonly name: string;
  readonly amps: number;
  readonly hashBits: number;
  readonly hashMap: unknown;
  /** null: unlimited. */
  readonly permBytesPerAmp: number | null;
}

function sequenceText(sequence: number): string {
  return String(sequence).padStart(12, "0");
}

export function ampDirectory(amp: number): string {
  return `amp-${String(amp).padStart(4, "0")}`;
}

export function catalogFile(version: number): string {
  return `catalog-${sequenceText(version)}.json`;
}

export function manifestFile(version: number): string {
  return `manifest-${sequenceText(version)}.json`;
}

export function segmentFile(sequence: number, serial: number): string {
  return `seg-${sequenceText(sequence)}-${String(serial).padStart(4, "0")}.arrow`;
}

/** Names the engine writes in the top directory (garbage when unreferenced). */
export const TOP_FILE_PATTERN = /^(catalog-\d+\.json|CURRENT\.tmp)$/;
/** Names the engine writes in an AMP directory (garbage when unreferenced). */
export const AMP_FILE_PATTERN = /^(seg-\d+-\d+\.arrow|manifest-\d+\.json)$/;
