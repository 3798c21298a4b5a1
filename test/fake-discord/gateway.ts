import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { GatewayCloseCodes, GatewayOpcodes } from "discord.js";
import { WebSocketServer, type WebSocket } from "ws";

interface Dispatch {
  s: number;
  t: string;
  d: unknown;
}

export interface GatewayOptions {
  token: string;
  heartbeatIntervalMs: number;
  /** READY's payload, without the session fields the gateway adds. */
  ready: () => Record<string, unknown>;
  /** Dispatches that follow READY on a fresh session (GUILD_CREATE). */
  afterReady: () => { t: string; d: unknown }[];
}

/**
 * Discord's gateway, for one shard: HELLO, IDENTIFY → READY, heartbeats and their ACKs, RESUME with
 * replay of what the bot missed. Every dispatch is numbered and kept, so a resumed session gets the
 * events sent while it was away, as with the real gateway.
 */
export class FakeGateway {
  readonly identifies: { intents: number }[] = [];
  readonly resumes: { seq: number }[] = [];
  heartbeats = 0;
  private readonly server: WebSocketServer;
  private socket: WebSocket | undefined;
  private sessionId = "";
  private readonly dispatched: Dispatch[] = [];
  private readyWaiters: (() => void)[] = [];

  constructor(http: Server, private readonly options: GatewayOptions) {
    this.server = new WebSocketServer({ server: http, path: "/gateway" });
    this.server.on("connection", (socket) => this.accept(socket));
  }

  /** Resolves once a session is ready (identified or resumed) and listening. */
  whenReady(): Promise<void> {
    if (this.socket && this.sessionId) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  dispatch(t: string, d: unknown): void {
    const event = { s: this.dispatched.length + 1, t, d };
    this.dispatched.push(event);
    this.socket?.send(JSON.stringify({ op: GatewayOpcodes.Dispatch, ...event }));
  }

  /** Drops the connection as Discord does when it restarts a gateway node: the bot may resume. */
  dropConnection(): void {
    this.socket?.close(GatewayCloseCodes.UnknownError, "fake Discord dropped the connection");
    this.socket = undefined;
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(socket: WebSocket) {
    const send = (payload: object) => socket.send(JSON.stringify(payload));
    send({ op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.options.heartbeatIntervalMs } });
    socket.on("message", (raw) => {
      const { op, d } = JSON.parse(raw.toString()) as { op: number; d: any };
      switch (op) {
        case GatewayOpcodes.Heartbeat:
          this.heartbeats += 1;
          send({ op: GatewayOpcodes.HeartbeatAck });
          break;
        case GatewayOpcodes.Identify:
          if (d.token !== this.options.token) return socket.close(GatewayCloseCodes.AuthenticationFailed, "Authentication failed.");
          this.identifies.push({ intents: d.intents });
          this.sessionId = randomUUID();
          this.dispatched.length = 0;
          this.listen(socket);
          this.dispatch("READY", { ...this.options.ready(), session_id: this.sessionId, shard: [0, 1] });
          for (const event of this.options.afterReady()) this.dispatch(event.t, event.d);
          break;
        case GatewayOpcodes.Resume:
          if (d.token !== this.options.token || d.session_id !== this.sessionId) {
            return send({ op: GatewayOpcodes.InvalidSession, d: false });
          }
          this.resumes.push({ seq: d.seq });
          for (const missed of this.dispatched.filter((event) => event.s > d.seq)) send({ op: GatewayOpcodes.Dispatch, ...missed });
          this.listen(socket);
          this.dispatch("RESUMED", {});
          break;
      }
    });
    socket.on("close", () => {
      if (this.socket === socket) this.socket = undefined;
    });
  }

  private listen(socket: WebSocket) {
    this.socket = socket;
    for (const resolve of this.readyWaiters.splice(0)) resolve();
  }
}
