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
  /** How many shards the bot must open: what GET /gateway/bot recommends. */
  shards: number;
  /** READY's payload, without the session and guild fields the gateway adds. */
  ready: () => Record<string, unknown>;
  /** Every guild the bot is in, as GUILD_CREATE carries it; each shard gets its own. */
  guilds: () => { id: string }[];
}

/** Discord's rule for which shard receives a guild's events. */
export function shardOf(guildId: string, shards: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shards));
}

/**
 * One shard's session. Every dispatch is numbered and kept, so a resumed session gets the events
 * sent while it was away, as with the real gateway.
 */
export class ShardSession {
  socket: WebSocket | undefined;
  sessionId = "";
  identifies = 0;
  resumes = 0;
  heartbeats = 0;
  /** The guilds this shard was sent in GUILD_CREATE on its last IDENTIFY. */
  guildIds: string[] = [];
  readonly dispatched: Dispatch[] = [];
  readyWaiters: (() => void)[] = [];

  constructor(readonly id: number) {}

  dispatch(t: string, d: unknown): void {
    const event = { s: this.dispatched.length + 1, t, d };
    this.dispatched.push(event);
    this.socket?.send(JSON.stringify({ op: GatewayOpcodes.Dispatch, ...event }));
  }
}

/**
 * Discord's gateway: HELLO, IDENTIFY with `shard: [id, count]` → READY and the GUILD_CREATEs of that
 * shard's guilds, heartbeats and their ACKs, RESUME with replay of what the bot missed, each per shard.
 * All shards connect to the one URL; a connection belongs to a shard once it identifies or resumes.
 */
export class FakeGateway {
  /** Every IDENTIFY, of any shard. */
  readonly identifies: { intents: number }[] = [];
  /** Every RESUME, of any shard. */
  readonly resumes: { seq: number }[] = [];
  readonly sessions: ShardSession[];
  private readonly server: WebSocketServer;

  constructor(http: Server, private readonly options: GatewayOptions) {
    this.sessions = Array.from({ length: options.shards }, (_, id) => new ShardSession(id));
    this.server = new WebSocketServer({ server: http, path: "/gateway" });
    this.server.on("connection", (socket) => this.accept(socket));
  }

  get heartbeats(): number {
    return this.sessions.reduce((sum, session) => sum + session.heartbeats, 0);
  }

  /** The shard that carries a guild's events; DMs go to shard 0, as on Discord. */
  shardOf(guildId: string | undefined): number {
    return guildId ? shardOf(guildId, this.options.shards) : 0;
  }

  /** Resolves once the shard's session is ready (identified or resumed) and listening. */
  whenReady(shard = 0): Promise<void> {
    const session = this.session(shard);
    if (session.socket && session.sessionId) return Promise.resolve();
    return new Promise((resolve) => session.readyWaiters.push(resolve));
  }

  dispatch(t: string, d: unknown, shard = 0): void {
    this.session(shard).dispatch(t, d);
  }

  /** Drops the shard's connection as Discord does when it restarts a gateway node: the bot may resume. */
  dropConnection(shard = 0): void {
    const session = this.session(shard);
    session.socket?.close(GatewayCloseCodes.UnknownError, "fake Discord dropped the connection");
    session.socket = undefined;
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private session(shard: number): ShardSession {
    const session = this.sessions[shard];
    if (!session) throw new Error(`the fake gateway has ${this.sessions.length} shards, not shard ${shard}`);
    return session;
  }

  private accept(socket: WebSocket) {
    const send = (payload: object) => socket.send(JSON.stringify(payload));
    let session: ShardSession | undefined;
    send({ op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.options.heartbeatIntervalMs } });
    socket.on("message", (raw) => {
      const { op, d } = JSON.parse(raw.toString()) as { op: number; d: any };
      switch (op) {
        case GatewayOpcodes.Heartbeat:
          if (session) session.heartbeats += 1;
          send({ op: GatewayOpcodes.HeartbeatAck });
          break;
        case GatewayOpcodes.Identify: {
          if (d.token !== this.options.token) return socket.close(GatewayCloseCodes.AuthenticationFailed, "Authentication failed.");
          const [id, count] = (d.shard as [number, number] | undefined) ?? [0, 1];
          // Too few shards for the bot's guilds is Discord's "Sharding required". Discord would accept more
          // shards than it recommends; the fake does not model that, so any other count is an invalid shard.
          if (count < this.options.shards) return socket.close(GatewayCloseCodes.ShardingRequired, "Sharding required.");
          if (count !== this.options.shards || id < 0 || id >= count) return socket.close(GatewayCloseCodes.InvalidShard, "Invalid shard.");
          session = this.session(id);
          this.identifies.push({ intents: d.intents });
          session.identifies += 1;
          session.sessionId = randomUUID();
          session.dispatched.length = 0;
          const guilds = this.options.guilds().filter((guild) => shardOf(guild.id, count) === id);
          session.guildIds = guilds.map((guild) => guild.id);
          this.listen(session, socket);
          session.dispatch("READY", {
            ...this.options.ready(),
            guilds: guilds.map((guild) => ({ id: guild.id, unavailable: true })),
            session_id: session.sessionId,
            shard: [id, count],
          });
          for (const guild of guilds) session.dispatch("GUILD_CREATE", guild);
          break;
        }
        case GatewayOpcodes.Resume: {
          // A session id names its shard: a RESUME carries no shard of its own.
          const resumed = this.sessions.find((candidate) => candidate.sessionId !== "" && candidate.sessionId === d.session_id);
          if (d.token !== this.options.token || !resumed) return send({ op: GatewayOpcodes.InvalidSession, d: false });
          session = resumed;
          this.resumes.push({ seq: d.seq });
          session.resumes += 1;
          for (const missed of session.dispatched.filter((event) => event.s > d.seq)) send({ op: GatewayOpcodes.Dispatch, ...missed });
          this.listen(session, socket);
          session.dispatch("RESUMED", {});
          break;
        }
      }
    });
    socket.on("close", () => {
      if (session?.socket === socket) session.socket = undefined;
    });
  }

  private listen(session: ShardSession, socket: WebSocket) {
    session.socket = socket;
    for (const resolve of session.readyWaiters.splice(0)) resolve();
  }
}
