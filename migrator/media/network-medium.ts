/**
 * The network medium: each stream is one TCP connection on loopback carrying
 * binary frames (archive-format.ts). One server per medium listens on an
 * ephemeral port; the archive side connects and first sends a 16-byte hello
 * naming its stream, so the server pairs connections with streams whatever
 * order they are accepted in.
 *
 * Owns: the server, the connections and the hello handshake. The frame
 * writing and reading over a socket are shared with the pipe medium.
 *
 * Faults it must survive: a connection that is reset (the other side throws
 * MEDIUM_FAILED; an aborted archive side resets its connection on purpose,
 * which the reader sees as MEDIUM_FAILED, or as ARCHIVE_CORRUPT "truncated"
 * when Linux reports the reset as an end of stream), a
 * reader that goes away (writes reject with MEDIUM_FAILED), a writer that
 * closes mid-frame (ARCHIVE_CORRUPT "truncated"), damaged bytes
 * (ARCHIVE_CORRUPT), a stranger or a bad hello on the port (dropped), a
 * connection that never pairs (MEDIUM_FAILED after `connectTimeoutMs`), and a
 * medium closed with streams open.
 */
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import type { DuplexOptions } from "node:stream";
import { AmpsimError } from "../../engine/errors.js";
import { streamLabel, verifyFrames } from "../archive-format.js";
import { SocketFrameSink, checkCapacity, socketFrames } from "./pipe-medium.js";
import type { FrameBytesHook } from "./pipe-medium.js";
import type { StreamChannel, StreamId, TransferMedium, OpenOptions } from "./transfer-medium.js";

export interface NetworkMediumOptions {
  /** Address the server listens on and clients connect to; default 127.0.0.1. */
  readonly host?: string;
  /** Bytes buffered in the process on each side beyond the kernel's socket buffers; default 1 MiB. */
  readonly capacityBytes?: number;
  /** How long `open` waits for its connection to be accepted and paired; default 10 s. */
  readonly connectTimeoutMs?: number;
  /** Fault point: rewrites each frame's bytes before they are written. */
  readonly onFrameBytes?: FrameBytesHook;
}

const CAPACITY_BYTES_DEFAULT = 1024 * 1024;
const CONNECT_TIMEOUT_MS_DEFAULT = 10_000;
/** Hello: magic "AMPH" (u32 LE), version u8, 3 reserved bytes, table u32, stream u32. */
const HELLO_BYTES = 16;
const HELLO_MAGIC = 0x48504d41;
const HELLO_VERSION = 1;

interface PendingStream {
  readonly resolve: (socket: net.Socket) => void;
  readonly reject: (error: Error) => void;
}

/**
 * A transfer medium of TCP connections on loopback, one per stream.
 *
 * @example
 * const medium = new NetworkMedium();
 * const channel = await medium.open({ table: 0, stream: 0, tableName: "main.orders" });
 * await Promise.all([archive.run(channel.sink), restore.run(channel.source)]);
 * await medium.close(); // closes the server and every connection
 */
export class NetworkMedium implements TransferMedium {
  readonly kind = "network";
  readonly host: string;
  readonly capacityBytes: number;
  readonly connectTimeoutMs: number;
  readonly #onFrameBytes: FrameBytesHook | undefined;
  #server: Promise<net.Server> | null = null;
  #port: number | null = null;
  readonly #pending = new Map<string, PendingStream>();
  readonly #sockets = new Set<net.Socket>();
  #closed = false;

  constructor(options: NetworkMediumOptions = {}) {
    this.host = options.host ?? "127.0.0.1";
    this.capacityBytes = checkCapacity(options.capacityBytes ?? CAPACITY_BYTES_DEFAULT, "network");
    this.connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS_DEFAULT;
    this.#onFrameBytes = options.onFrameBytes;
  }

  /** The server's port once the first stream opened, else null. */
  get port(): number | null {
    return this.#port;
  }

  /** Connects stream `id` to the medium's server; resolves once the server has paired the connection. */
  async open(id: StreamId, options: OpenOptions = {}): Promise<StreamChannel> {
    if (this.#closed) throw new AmpsimError("BAD_ARGUMENT", `${streamLabel(id)}: open on a closed network medium`);
    const key = streamKey(id.table, id.stream);
    if (this.#pending.has(key)) throw new AmpsimError("BAD_ARGUMENT", `${streamLabel(id)} is already being opened on this network medium`);
    const { port } = (await this.#listen()).address() as AddressInfo;
    const where = `TCP ${this.host}:${port}`;
    const accepted = this.#expect(key, id, where);
    accepted.catch(() => {}); // awaited below; this only keeps an early rejection from being unhandled
    let client: net.Socket;
    try {
      client = await this.#connect(port);
    } catch (error) {
      this.#pending.get(key)?.reject(error as Error);
      throw failed(id, where, `could not connect: ${(error as Error).message}`, error);
    }
    client.write(hello(id));
    const server = await accepted.catch((error: unknown) => { client.destroy(); throw error; });
    const sink = new SocketFrameSink(id, client, where, { onFrameBytes: this.#onFrameBytes, resetOnAbort: true, buffers: options.buffers });
    return {
      id,
      sink,
      source: verifyFrames(id, socketFrames(id, server, where, this.capacityBytes, undefined, options.buffers), where),
      bytesTransferred: () => sink.bytesWritten,
    };
  }

  /** Closes the server and every connection, and fails every `open` still waiting. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const pending of this.#pending.values()) pending.reject(new AmpsimError("MEDIUM_FAILED", "the network medium was closed"));
    this.#pending.clear();
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    const server = await this.#server?.catch(() => null);
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #listen(): Promise<net.Server> {
    this.#server ??= new Promise((resolve, reject) => {
      const server = net.createServer((socket) => this.#onConnection(socket));
      server.once("error", (error) => reject(new AmpsimError("MEDIUM_FAILED", `network medium: could not listen on ${this.host}: ${error.message}`, {}, { cause: error })));
      server.listen(0, this.host, () => {
        this.#port = (server.address() as AddressInfo).port;
        resolve(server);
      });
    });
    return this.#server;
  }

  /** A promise of the server side of stream `key`, rejected after the connect timeout. */
  #expect(key: string, id: StreamId, where: string): Promise<net.Socket> {
    return new Promise<net.Socket>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(key);
        reject(failed(id, where, `the server did not pair the connection within ${this.connectTimeoutMs} ms`));
      }, this.connectTimeoutMs);
      const settle = (): void => { clearTimeout(timer); this.#pending.delete(key); };
      this.#pending.set(key, {
        resolve: (socket) => { settle(); resolve(socket); },
        reject: (error) => { settle(); reject(error); },
      });
    });
  }

  #connect(port: number): Promise<net.Socket> {
    const options: net.NetConnectOpts & DuplexOptions = { host: this.host, port, writableHighWaterMark: this.capacityBytes };
    return new Promise((resolve, reject) => {
      const socket = net.connect(options);
      this.#track(socket);
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        socket.setNoDelay(true);
        // The server never sends; reading lets the client see the server's end and close.
        socket.resume();
        resolve(socket);
      });
    });
  }

  #onConnection(socket: net.Socket): void {
    this.#track(socket);
    readHello(socket).then(({ table, stream, rest }) => {
      const pending = this.#pending.get(streamKey(table, stream));
      if (pending === undefined) { socket.destroy(); return; }
      if (rest.byteLength > 0) socket.unshift(rest);
      pending.resolve(socket);
    }, () => socket.destroy());
  }

  #track(socket: net.Socket): void {
    // Errors are reported through the sink and the source; this keeps an early one from being unhandled.
    socket.on("error", () => {});
    this.#sockets.add(socket);
    socket.once("close", () => this.#sockets.delete(socket));
  }
}

function streamKey(table: number, stream: number): string {
  return `${table}:${stream}`;
}

function failed(id: StreamId, where: string, text: string, cause?: unknown): AmpsimError {
  return new AmpsimError("MEDIUM_FAILED", `${streamLabel(id)}: ${text} (${where})`, { stream: id.stream, table: id.tableName }, { cause });
}

function hello(id: StreamId): Uint8Array {
  const bytes = new Uint8Array(HELLO_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, HELLO_MAGIC, true);
  view.setUint8(4, HELLO_VERSION);
  view.setUint32(8, id.table, true);
  view.setUint32(12, id.stream, true);
  return bytes;
}

/** Reads the hello off a new connection and pauses it; what followed the hello is returned in `rest`. */
function readHello(socket: net.Socket): Promise<{ table: number; stream: number; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let received: Buffer = Buffer.alloc(0);
    const stop = (): void => { socket.off("data", onData); socket.off("end", onEnd); socket.off("close", onEnd); };
    const onEnd = (): void => { stop(); reject(new Error("the connection ended before its hello")); };
    const onData = (chunk: Buffer): void => {
      received = received.byteLength === 0 ? chunk : Buffer.concat([received, chunk]);
      if (received.byteLength < HELLO_BYTES) return;
      stop();
      socket.pause();
      const view = new DataView(received.buffer, received.byteOffset, HELLO_BYTES);
      if (view.getUint32(0, true) !== HELLO_MAGIC || view.getUint8(4) !== HELLO_VERSION) {
        reject(new Error("not an ampsim hello"));
        return;
      }
      resolve({ table: view.getUint32(8, true), stream: view.getUint32(12, true), rest: received.subarray(HELLO_BYTES) });
    };
    socket.on("data", onData).on("end", onEnd).on("close", onEnd);
  });
}
