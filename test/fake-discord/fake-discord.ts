import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ComponentType,
  InteractionContextType,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  PermissionFlagsBits,
} from "discord.js";
import { FakeGateway } from "./gateway.js";
import { waitUntil } from "../wait.js";
import { requestProblems, type CommandDefinition } from "./validate.js";
import {
  applicationId,
  channelPermissions,
  channels,
  findChannel,
  findGuild,
  guildId,
  guildJson,
  guildPermissions,
  guilds,
  memberJson,
  memberOf,
  rolesJson,
  snowflake,
  users,
  type FakeChannel,
  type FakeGuild,
  type FakeUser,
} from "./world.js";

/** What the bot sent: one HTTP request, with the JSON body (payload_json of a multipart upload) and its files. */
export interface RecordedRequest {
  method: string;
  /** The path after /api/v10, e.g. /interactions/123/abc/callback. */
  route: string;
  query: URLSearchParams;
  body: any;
  files: { name: string; data: Buffer }[];
  /** Why Discord would reject it; empty when it would not. */
  problems: string[];
  /** The interaction token the request answers, if any. */
  token?: string;
}

export interface FakeDiscordOptions {
  /** The shard count GET /gateway/bot recommends and the gateway requires: Discord's answer for a bot in many guilds. */
  shards?: number;
}

export type ApiMessage = Record<string, any> & { id: string; channel_id: string };

interface Registered extends CommandDefinition {
  id: string;
  /** Set on a guild command: the guild it was registered in. */
  guild_id?: string;
  contexts?: number[] | null;
  default_member_permissions?: string | null;
}

const token = `${Buffer.from(applicationId).toString("base64url")}.fake.token`;
const ANSWER_WITHIN_MS = 3000;

function discordError(status: number, code: number, message: string) {
  return { status, body: { code, message } };
}

/** Stable bodies: drop undefined values the way JSON.stringify does. */
function plain<T>(value: T): T {
  return value === undefined ? value : JSON.parse(JSON.stringify(value));
}

/** An interaction the fake sent, and everything the bot did in answer to it. */
export class SentInteraction {
  readonly requests: RecordedRequest[] = [];
  answeredAt: number | undefined;
  originalMessageId: string | undefined;
  private waiters: { count: number; resolve: () => void }[] = [];

  constructor(
    readonly id: string,
    readonly token: string,
    readonly payload: Record<string, any>,
    readonly sentAt: number,
    private readonly discord: FakeDiscord,
  ) {}

  record(request: RecordedRequest) {
    this.requests.push(request);
    this.waiters = this.waiters.filter((waiter) => (this.requests.length >= waiter.count ? (waiter.resolve(), false) : true));
  }

  /** Waits for the bot's nth request for this interaction (1 = the first answer). */
  async request(nth: number, timeoutMs = 10_000): Promise<RecordedRequest> {
    if (this.requests.length < nth) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the bot sent ${this.requests.length} requests for interaction ${this.id}, not ${nth}, within ${timeoutMs} ms`)), timeoutMs);
        this.waiters.push({ count: nth, resolve: () => (clearTimeout(timer), resolve()) });
      });
    }
    return this.requests[nth - 1]!;
  }

  /** The first answer: the interaction callback. */
  response(timeoutMs?: number): Promise<RecordedRequest> {
    return this.request(1, timeoutMs);
  }

  /** The message the first answer created, as it stands now (after edits). */
  original(): ApiMessage {
    const message = this.originalMessageId ? this.discord.messages.get(this.originalMessageId) : undefined;
    if (!message) throw new Error(`interaction ${this.id} has no original message`);
    return message;
  }
}

interface Place {
  user?: FakeUser;
  /** Defaults to #general of the first guild; a channel of another guild acts there; null for a DM with the bot. */
  channelId?: string | null;
  /** The server changed who may use the command (Server Settings → Integrations), past its default permissions. */
  overriddenByServer?: boolean;
}

/**
 * Discord on loopback for the real discord.js client: the REST routes the bot uses, the gateway
 * (sharded when asked), and guilds with users. Every request is recorded and checked against Discord's OpenAPI
 * description and documented limits (validate.ts); a request Discord would reject gets Discord's
 * error and its problems are kept, so a test can fail on them.
 */
export class FakeDiscord {
  readonly token = token;
  readonly applicationId = applicationId;
  readonly guildId = guildId;
  readonly guilds = guilds;
  readonly users = users;
  readonly channels = channels;
  readonly requests: RecordedRequest[] = [];
  readonly messages = new Map<string, ApiMessage>();
  readonly globalCommands: Registered[] = [];
  readonly guildCommands: Registered[] = [];
  readonly gateway: FakeGateway;
  private readonly interactions = new Map<string, SentInteraction>();

  private constructor(private readonly http: Server, private readonly shards: number) {
    this.gateway = new FakeGateway(http, {
      token,
      heartbeatIntervalMs: 1000,
      shards,
      ready: () => ({ v: 10, user: users.bot, resume_gateway_url: this.gatewayUrl, application: { id: applicationId, flags: 0 } }),
      guilds: () => guilds.map(guildJson),
    });
  }

  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const http = createServer();
    const discord = new FakeDiscord(http, options.shards ?? 1);
    http.on("request", (request, response) => void discord.handle(request, response));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    return discord;
  }

  private get origin(): string {
    return `127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  /** What DISCORD_API_URL is set to: discord.js appends /v10. */
  get apiUrl(): string {
    return `http://${this.origin}/api`;
  }

  get gatewayUrl(): string {
    return `ws://${this.origin}/gateway`;
  }

  /** Waits for a request the bot makes outside of interactions (a daily quiz post). */
  async waitForRequest(matches: (request: RecordedRequest) => boolean, timeoutMs = 10_000): Promise<RecordedRequest> {
    let found: RecordedRequest | undefined;
    await waitUntil(() => (found = this.requests.find(matches)) !== undefined, {
      timeoutMs,
      everyMs: 50,
      failure: () => `no matching request within ${timeoutMs} ms`,
    });
    return found!;
  }

  /** Every problem of every request so far: a test passes only when Discord would have accepted all. */
  problems(): string[] {
    return this.requests.flatMap((request) => request.problems.map((problem) => `${request.method} ${request.route}: ${problem}`));
  }

  async close(): Promise<void> {
    await this.gateway.close();
    this.http.closeAllConnections();
    await new Promise((resolve) => this.http.close(resolve));
  }

  // ---- Users acting -------------------------------------------------------------------------

  /** A slash command as `user` types it: `options` by name, `subcommand` names the subcommand. */
  chatInput(name: string, options: Record<string, string | number | boolean> = {}, place: Place = {}): SentInteraction {
    return this.invoke(name, options, place, InteractionType.ApplicationCommand);
  }

  /** Typing into an autocomplete option: `focused` names the option being typed. */
  autocomplete(name: string, options: Record<string, string | number | boolean>, focused: string, place: Place = {}): SentInteraction {
    return this.invoke(name, options, place, InteractionType.ApplicationCommandAutocomplete, focused);
  }

  /** "Apps → <name>" on a message. */
  messageCommand(name: string, target: { content: string; author?: FakeUser }, place: Place = {}): SentInteraction {
    const command = this.registered(name, place);
    const channelId = place.channelId === undefined ? channels.general.id : place.channelId;
    const message = this.messageJson({ id: snowflake(), channel_id: channelId ?? "dm" }, { content: target.content }, target.author ?? users.bob);
    return this.send(InteractionType.ApplicationCommand, place, {
      id: command.id,
      name,
      type: ApplicationCommandType.Message,
      target_id: message.id,
      resolved: { messages: { [message.id]: message } },
      ...(command.guild_id ? { guild_id: command.guild_id } : {}),
    });
  }

  clickButton(message: ApiMessage, customId: string, place: Place = {}): SentInteraction {
    const button = this.componentsOf(message).find((component) => component.custom_id === customId && component.type === ComponentType.Button);
    if (!button) throw new Error(`message ${message.id} has no button ${customId}`);
    if (button.disabled) throw new Error(`button ${customId} is disabled`);
    return this.send(InteractionType.MessageComponent, { channelId: message.channel_id, ...place }, { custom_id: customId, component_type: ComponentType.Button }, message);
  }

  chooseFromMenu(message: ApiMessage, customId: string, values: string[], place: Place = {}): SentInteraction {
    const menu = this.componentsOf(message).find((component) => component.custom_id === customId && component.type === ComponentType.StringSelect);
    if (!menu) throw new Error(`message ${message.id} has no menu ${customId}`);
    const offered = new Set(menu.options.map((option: { value: string }) => option.value));
    if (!values.every((value) => offered.has(value))) throw new Error(`menu ${customId} does not offer ${values.join(", ")}`);
    return this.send(InteractionType.MessageComponent, { channelId: message.channel_id, ...place }, { custom_id: customId, component_type: ComponentType.StringSelect, values }, message);
  }

  /** Submitting the modal the bot showed in answer to `opened`, with the inputs filled in by id. */
  submitModal(opened: SentInteraction, fields: Record<string, string>, place: Place = {}): SentInteraction {
    const modal = opened.requests.find((request) => request.body?.type === InteractionResponseType.Modal)?.body.data;
    if (!modal) throw new Error(`the bot showed no modal for interaction ${opened.id}`);
    const inputs = (modal.components as any[]).flatMap((row) => row.components ?? [row.component]);
    for (const id of Object.keys(fields)) {
      if (!inputs.some((input) => input.custom_id === id)) throw new Error(`the modal has no input ${id}`);
    }
    // What the user leaves alone keeps the value the bot pre-filled.
    const submitted = (input: { custom_id: string; value?: string; options?: { value: string; default?: boolean }[] }) =>
      fields[input.custom_id] ?? input.value ?? input.options?.find((option) => option.default)?.value ?? "";
    // Discord's client does not let a form be submitted past its inputs' rules.
    for (const input of inputs) {
      const value = submitted(input);
      if (input.required !== false && value === "") throw new Error(`the modal's input ${input.custom_id} is required`);
      if (input.options && !input.options.some((option: { value: string }) => option.value === value)) throw new Error(`the modal's select ${input.custom_id} has no option ${value}`);
      if (input.max_length !== undefined && value.length > input.max_length) throw new Error(`the modal's input ${input.custom_id} takes at most ${input.max_length} characters`);
    }
    const components = inputs.map((input) =>
      input.type === ComponentType.StringSelect
        ? { type: ComponentType.Label, component: { type: ComponentType.StringSelect, custom_id: input.custom_id, values: [submitted(input)] } }
        : { type: ComponentType.ActionRow, components: [{ type: ComponentType.TextInput, custom_id: input.custom_id, value: submitted(input) }] },
    );
    const user = place.user ?? opened.payload.member?.user ?? opened.payload.user;
    return this.send(InteractionType.ModalSubmit, { channelId: opened.payload.channel_id ?? null, user, ...place }, { custom_id: modal.custom_id, components }, opened.payload.message);
  }

  /** The bot is removed from a guild (kicked, or the guild deleted): told on that guild's shard. */
  removeBotFromGuild(id = guildId): void {
    this.gateway.dispatch("GUILD_DELETE", { id }, this.gateway.shardOf(id));
  }

  /** The guild channel a place is in; undefined for a DM (no channel, or a message's dm- channel). */
  private locate(place: Place): { guild: FakeGuild; channel: FakeChannel } | undefined {
    const channelId = place.channelId === undefined ? channels.general.id : place.channelId;
    if (channelId === null || channelId.startsWith("dm-")) return undefined;
    const channel = findChannel(channelId);
    if (!channel) throw new Error(`the fake Discord has no channel ${channelId}`);
    return { guild: findGuild(channel.guild_id)!, channel };
  }

  private registered(name: string, place: Place): Registered {
    const where = this.locate(place)?.guild;
    const guildCommand = where ? this.guildCommands.find((command) => command.name === name && command.guild_id === where.id) : undefined;
    const command = guildCommand ?? this.globalCommands.find((command) => command.name === name);
    if (!command) throw new Error(`/${name} is not registered with the fake Discord: deploy the commands first`);
    const user = place.user ?? users.alice;
    // Discord does not show a command where its contexts or default permissions hide it.
    const context = where ? InteractionContextType.Guild : InteractionContextType.BotDM;
    if (command.contexts && !command.contexts.includes(context)) throw new Error(`/${name} is not offered in this context (${context})`);
    const required = BigInt(command.default_member_permissions ?? 0);
    if (where && !place.overriddenByServer && (guildPermissions(where, user.id) & required) !== required) throw new Error(`/${name} is hidden from ${user.username}`);
    return command;
  }

  private invoke(name: string, values: Record<string, string | number | boolean>, place: Place, type: InteractionType, focused?: string) {
    const command = this.registered(name, place);
    const { subcommand, ...rest } = values;
    const definitions = subcommand ? command.options?.find((option) => option.name === subcommand)?.options : command.options;
    if (subcommand && !definitions) throw new Error(`/${name} has no subcommand ${subcommand}`);
    const resolved: Record<string, Record<string, unknown>> = {};
    const options = Object.entries(rest).map(([optionName, value]) => {
      const definition = (definitions ?? []).find((option) => option.name === optionName);
      if (!definition) throw new Error(`/${name} has no option ${optionName}`);
      if (typeof value === "string" && definition.max_length !== undefined && value.length > definition.max_length) {
        throw new Error(`Discord does not send ${optionName} of ${value.length} characters: the option takes at most ${definition.max_length}`);
      }
      if (definition.type === ApplicationCommandOptionType.Channel) {
        const channel = findChannel(String(value));
        resolved.channels = { ...resolved.channels, [String(value)]: { ...channel, permissions: String(channelPermissions(users.bot.id, String(value))) } };
      }
      return { name: optionName, type: definition.type, value, ...(optionName === focused ? { focused: true } : {}) };
    });
    const data = {
      id: command.id,
      name,
      type: ApplicationCommandType.ChatInput,
      options: subcommand ? [{ name: subcommand, type: ApplicationCommandOptionType.Subcommand, options }] : options,
      ...(Object.keys(resolved).length > 0 ? { resolved } : {}),
      ...(command.guild_id ? { guild_id: command.guild_id } : {}),
    };
    return this.send(type, place, data);
  }

  private componentsOf(message: ApiMessage): any[] {
    return (message.components as any[] ?? []).flatMap((row) => row.components ?? []);
  }

  private send(type: InteractionType, place: Place, data: Record<string, unknown>, message?: ApiMessage): SentInteraction {
    const user = place.user ?? users.alice;
    const located = this.locate(place);
    const id = snowflake();
    const interactionToken = `interaction-token-${id}`;
    const where = located
      ? {
          guild_id: located.guild.id,
          guild: { id: located.guild.id, locale: "en-US", features: [] },
          channel_id: located.channel.id,
          channel: { ...located.channel, permissions: String(channelPermissions(user.id, located.channel.id)) },
          member: { ...memberJson(memberOf(located.guild, user.id)!), permissions: String(channelPermissions(user.id, located.channel.id)) },
          app_permissions: String(channelPermissions(users.bot.id, located.channel.id)),
          context: InteractionContextType.Guild,
          guild_locale: "en-US",
          authorizing_integration_owners: { "0": located.guild.id },
        }
      : {
          channel_id: `dm-${user.id}`,
          channel: { id: `dm-${user.id}`, type: 1, recipients: [user] },
          user,
          app_permissions: String(PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.EmbedLinks | PermissionFlagsBits.AttachFiles),
          context: InteractionContextType.BotDM,
          authorizing_integration_owners: { "0": guildId },
        };
    const payload = {
      id,
      application_id: applicationId,
      type,
      data,
      token: interactionToken,
      version: 1,
      locale: "en-US",
      entitlements: [],
      attachment_size_limit: 10 * 1024 * 1024,
      ...where,
      ...(message ? { message } : {}),
    };
    const interaction = new SentInteraction(id, interactionToken, payload, Date.now(), this);
    this.interactions.set(interactionToken, interaction);
    this.gateway.dispatch("INTERACTION_CREATE", payload, this.gateway.shardOf(located?.guild.id));
    return interaction;
  }

  // ---- REST ----------------------------------------------------------------------------------

  private async handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? "/", `http://${this.origin}`);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const { body, files } = await this.parseBody(raw, request.headers["content-type"] ?? "");
    // discord.js escapes path parts (@original arrives as %40original).
    const route = decodeURIComponent(url.pathname.replace(/^\/api\/v10/, ""));
    const recorded: RecordedRequest = { method: request.method ?? "GET", route, query: url.searchParams, body, files, problems: [] };
    if (!url.pathname.startsWith("/api/v10/")) recorded.problems.push("not under /api/v10");
    if (request.method !== "GET" && request.method !== "DELETE") recorded.problems.push(...requestProblems(recorded));
    this.requests.push(recorded);
    const answer =
      recorded.problems.length > 0
        ? { status: 400, body: { code: 50035, message: `Invalid Form Body: ${recorded.problems.join("; ")}` } }
        : this.route(recorded, request.headers.authorization);
    response.writeHead(answer.status, answer.body === undefined ? {} : { "content-type": "application/json" });
    response.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
  }

  private async parseBody(raw: Buffer, contentType: string): Promise<{ body: unknown; files: RecordedRequest["files"] }> {
    if (raw.length === 0) return { body: undefined, files: [] };
    if (!contentType.startsWith("multipart/form-data")) return { body: JSON.parse(raw.toString("utf8")), files: [] };
    const form = await new Response(raw, { headers: { "content-type": contentType } }).formData();
    const files: RecordedRequest["files"] = [];
    for (const [key, value] of form.entries()) {
      if (key !== "payload_json" && typeof value !== "string") files.push({ name: value.name, data: Buffer.from(await value.arrayBuffer()) });
    }
    const payload = form.get("payload_json");
    return { body: typeof payload === "string" ? JSON.parse(payload) : undefined, files };
  }

  private route(request: RecordedRequest, authorization: string | undefined): { status: number; body?: unknown } {
    const parts = request.route.split("/").slice(1);
    const key = `${request.method} /${parts.map((part) => (/^\d+$|^interaction-token-|^dm-/.test(part) ? ":" : part)).join("/")}`;
    const interactionToken = parts.find((part) => part.startsWith("interaction-token-"));
    const interaction = interactionToken ? this.interactions.get(interactionToken) : undefined;
    if (interaction) {
      request.token = interaction.token;
      interaction.record(request);
    }
    // Interaction callbacks and webhooks are authorised by their token; everything else needs the bot token.
    if (!interactionToken && authorization !== `Bot ${token}`) return discordError(401, 0, "401: Unauthorized");
    switch (key) {
      case "GET /gateway/bot":
        // max_concurrency 1, as for every bot below Discord's large-bot tier: shards identify 5 s apart.
        return { status: 200, body: { url: this.gatewayUrl, shards: this.shards, session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 } } };
      case "GET /users/@me":
        return { status: 200, body: users.bot };
      case "GET /applications/@me":
        return { status: 200, body: { id: applicationId, name: "Loopy", bot: users.bot, flags: 0 } };
      case "PUT /applications/:/commands":
      case "PUT /applications/:/guilds/:/commands":
        return this.registerCommands(request, parts[3] === "guilds");
      case "POST /interactions/:/:/callback":
        return this.interactionCallback(request, interaction);
      case "POST /webhooks/:/:":
        return this.followUp(request, interaction);
      case "GET /webhooks/:/:/messages/@original":
      case "PATCH /webhooks/:/:/messages/@original":
      case "DELETE /webhooks/:/:/messages/@original":
      case "GET /webhooks/:/:/messages/:":
      case "PATCH /webhooks/:/:/messages/:":
      case "DELETE /webhooks/:/:/messages/:":
        return this.webhookMessage(request, interaction, parts[4] === "@original" ? interaction?.originalMessageId : parts[4]);
      case "GET /channels/:":
        return this.channel(parts[1]!);
      case "POST /channels/:/messages":
        return this.channelMessage(request, parts[1]!);
      case "PATCH /channels/:/messages/:":
        return this.editChannelMessage(request, parts[1]!, parts[3]!);
      case "GET /guilds/:":
      case "GET /guilds/:/roles":
      case "GET /guilds/:/channels":
      case "GET /guilds/:/members/:":
        return this.guildRoute(parts);
      default:
        request.problems.push("the fake Discord does not serve this route");
        return discordError(404, 0, "404: Not Found");
    }
  }

  private guildRoute(parts: string[]) {
    const guild = findGuild(parts[1]!);
    if (!guild) return discordError(404, 10004, "Unknown Guild");
    if (parts[2] === "roles") return { status: 200, body: rolesJson(guild) };
    if (parts[2] === "channels") return { status: 200, body: Object.values(guild.channels) };
    if (parts[2] === "members") {
      const member = memberOf(guild, parts[3]!);
      return member ? { status: 200, body: memberJson(member) } : discordError(404, 10007, "Unknown Member");
    }
    return { status: 200, body: guildJson(guild) };
  }

  /** A PUT replaces a whole set: the application's global commands, or one guild's. */
  private registerCommands(request: RecordedRequest, inGuild: boolean) {
    const scope = inGuild ? request.route.split("/")[4]! : undefined;
    if (scope && !findGuild(scope)) return discordError(404, 10004, "Unknown Guild");
    const registered = (request.body as CommandDefinition[]).map((command) => ({ ...command, id: snowflake(), ...(scope ? { guild_id: scope } : {}) }));
    const list = scope ? this.guildCommands : this.globalCommands;
    list.splice(0, list.length, ...list.filter((command) => command.guild_id !== scope), ...registered);
    return { status: 200, body: registered.map((command) => ({ ...command, application_id: applicationId, version: snowflake() })) };
  }

  private interactionCallback(request: RecordedRequest, interaction: SentInteraction | undefined) {
    if (!interaction) return discordError(404, 10062, "Unknown interaction");
    if (interaction.answeredAt !== undefined) {
      request.problems.push("the interaction was already answered");
      return discordError(400, 40060, "Interaction has already been acknowledged.");
    }
    interaction.answeredAt = Date.now();
    const elapsed = interaction.answeredAt - interaction.sentAt;
    if (elapsed > ANSWER_WITHIN_MS) {
      request.problems.push(`answered after ${elapsed} ms; Discord allows ${ANSWER_WITHIN_MS} ms (defer for anything slower)`);
      return discordError(404, 10062, "Unknown interaction");
    }
    const { type, data } = request.body as { type: InteractionResponseType; data?: any };
    let message: ApiMessage | undefined;
    if (type === InteractionResponseType.ChannelMessageWithSource || type === InteractionResponseType.DeferredChannelMessageWithSource) {
      const loading = type === InteractionResponseType.DeferredChannelMessageWithSource ? MessageFlags.Loading : 0;
      message = this.store(this.messageJson({ id: snowflake(), channel_id: interaction.payload.channel_id }, { ...data, flags: (data?.flags ?? 0) | loading }, users.bot, request.files));
      interaction.originalMessageId = message.id;
    } else if (type === InteractionResponseType.UpdateMessage || type === InteractionResponseType.DeferredMessageUpdate) {
      const updated = interaction.payload.message as ApiMessage | undefined;
      if (!updated) {
        request.problems.push("only a component interaction can update its message");
        return discordError(400, 40004, "Interaction is not a component interaction");
      }
      message = type === InteractionResponseType.UpdateMessage ? this.edit(this.messages.get(updated.id) ?? updated, data ?? {}, request.files) : updated;
      interaction.originalMessageId = message.id;
    }
    if (request.query.get("with_response") !== "true") return { status: 204 };
    return { status: 200, body: { interaction: { id: interaction.id, type: interaction.payload.type }, resource: { type, ...(message ? { message } : {}) } } };
  }

  private followUp(request: RecordedRequest, interaction: SentInteraction | undefined) {
    if (!interaction?.answeredAt) return discordError(404, 10015, "Unknown Webhook");
    const message = this.store(this.messageJson({ id: snowflake(), channel_id: interaction.payload.channel_id }, request.body, users.bot, request.files));
    return request.query.get("wait") === "true" ? { status: 200, body: message } : { status: 204 };
  }

  private webhookMessage(request: RecordedRequest, interaction: SentInteraction | undefined, messageId: string | undefined) {
    const message = messageId ? this.messages.get(messageId) : undefined;
    if (!interaction?.answeredAt || !message) return discordError(404, 10008, "Unknown Message");
    if (request.method === "DELETE") {
      this.messages.delete(message.id);
      return { status: 204 };
    }
    if (request.method === "PATCH") return { status: 200, body: this.edit(message, request.body, request.files) };
    return { status: 200, body: message };
  }

  private channel(channelId: string) {
    const channel = findChannel(channelId);
    if (!channel || !(channelPermissions(users.bot.id, channelId) & PermissionFlagsBits.ViewChannel)) return discordError(404, 10003, "Unknown Channel");
    return { status: 200, body: channel };
  }

  private channelMessage(request: RecordedRequest, channelId: string) {
    const needed = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages;
    if ((channelPermissions(users.bot.id, channelId) & needed) !== needed) return discordError(403, 50013, "Missing Permissions");
    return { status: 200, body: this.store(this.messageJson({ id: snowflake(), channel_id: channelId }, request.body, users.bot, request.files)) };
  }

  private editChannelMessage(request: RecordedRequest, channelId: string, messageId: string) {
    const message = this.messages.get(messageId);
    if (!message || message.channel_id !== channelId) return discordError(404, 10008, "Unknown Message");
    if (message.author.id !== users.bot.id) return discordError(403, 50005, "Cannot edit a message authored by another user");
    return { status: 200, body: this.edit(message, request.body, request.files) };
  }

  private store(message: ApiMessage): ApiMessage {
    this.messages.set(message.id, message);
    return message;
  }

  /** PATCH semantics: fields present in the body replace the message's; absent ones stay. Any edit ends "thinking…". */
  private edit(message: ApiMessage, body: Record<string, any>, files: RecordedRequest["files"]): ApiMessage {
    const changes = this.messageJson(message, body, message.author, files);
    const kept = Object.fromEntries(Object.keys(body).filter((field) => field in changes).map((field) => [field, changes[field]]));
    if (body.attachments !== undefined || files.length > 0) kept.attachments = changes.attachments;
    const flags = ((kept.flags as number | undefined) ?? message.flags) & ~MessageFlags.Loading;
    const edited = { ...message, ...kept, flags, edited_timestamp: new Date().toISOString() };
    return this.store(edited);
  }

  /** A message object as Discord returns it, built from what the bot sent. */
  private messageJson(base: { id: string; channel_id: string }, body: Record<string, any>, author: FakeUser, files: RecordedRequest["files"] = []): ApiMessage {
    const guildOfChannel = findChannel(base.channel_id)?.guild_id;
    const attachments = (body.attachments ?? files.map((_, id) => ({ id: String(id) }))).map((attachment: { id: string; filename?: string; description?: string }) => {
      const file = files[Number(attachment.id)];
      return {
        id: file ? snowflake() : attachment.id,
        filename: attachment.filename ?? file?.name,
        description: attachment.description,
        size: file?.data.length ?? 0,
        url: `https://cdn.fake-discord.test/attachments/${attachment.filename ?? file?.name}`,
        proxy_url: `https://media.fake-discord.test/attachments/${attachment.filename ?? file?.name}`,
      };
    });
    return plain({
      ...base,
      type: 0,
      author,
      content: body.content ?? "",
      embeds: body.embeds ?? [],
      components: body.components ?? [],
      attachments,
      flags: body.flags ?? 0,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      pinned: false,
      ...(author.id === users.bot.id ? { webhook_id: applicationId, application_id: applicationId } : {}),
      ...(guildOfChannel ? { guild_id: guildOfChannel } : {}),
    });
  }
}
