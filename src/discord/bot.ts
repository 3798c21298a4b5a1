import { once } from "node:events";
import {
  ApplicationCommandOptionType,
  Client,
  ComponentType,
  Events,
  GatewayIntentBits,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  type CommandInteractionOption,
  type Interaction as DiscordJsInteraction,
  type ModalSubmitInteraction,
} from "discord.js";
import type { App } from "../app.js";
import type { Config } from "../config.js";
import { CHOICES_MAX } from "../core/discord-limits.js";
import { log } from "../log.js";
import type { RawOptions } from "../router.js";
import { DiscordInteraction } from "./interaction.js";

const botLog = log.child({ module: "discord" });

/**
 * The discord.js client Loopy uses: only the Guilds intent (no privileged ones: interactions carry
 * what Loopy needs), and DISCORD_API_URL as the REST base when set (a fake Discord in tests).
 * Made before the app so the daily quiz's ChannelPoster can share it.
 *
 * `shards: "auto"` is discord.js's internal sharding: at login it asks GET /gateway/bot for the shard
 * count Discord recommends and opens that many gateway connections in this process. Discord refuses a
 * single connection once the bot is in about 2,500 servers; one client for all shards keeps every
 * server in one guild cache, so the daily quiz's poster and the interaction routing need no changes.
 */
export function createDiscordClient(config: Config): Client {
  return new Client({ intents: [GatewayIntentBits.Guilds], shards: "auto", rest: config.DISCORD_API_URL ? { api: config.DISCORD_API_URL } : {} });
}

/** Slash command options as the router takes them: name → value, `subcommand` for a subcommand. */
function rawOptions(interaction: ChatInputCommandInteraction): RawOptions {
  const options: RawOptions = {};
  const collect = (list: readonly CommandInteractionOption[]) => {
    for (const option of list) {
      if (option.type === ApplicationCommandOptionType.Subcommand) {
        options.subcommand = option.name;
        collect(option.options ?? []);
      } else if (option.type === ApplicationCommandOptionType.SubcommandGroup) {
        options.subcommandGroup = option.name;
        collect(option.options ?? []);
      } else {
        // Channels, roles, users and mentionables arrive as their ids.
        options[option.name] = option.value;
      }
    }
  };
  collect(interaction.options.data);
  return options;
}

function formFields(interaction: ModalSubmitInteraction): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [id, field] of interaction.fields.fields) {
    if (field.type === ComponentType.TextInput) fields[id] = field.value;
    else if (field.type === ComponentType.StringSelect && field.values[0] !== undefined) fields[id] = field.values[0];
  }
  return fields;
}

async function answerAutocomplete(app: App, interaction: AutocompleteInteraction) {
  const focused = interaction.options.getFocused(true);
  const choices = await app.router.autocomplete(interaction.commandName, { option: focused.name, value: String(focused.value), services: app.services });
  await interaction.respond(choices.slice(0, CHOICES_MAX).map((choice) => ({ name: choice.label, value: choice.value })));
}

async function route(app: App, interaction: DiscordJsInteraction) {
  const { services, router } = app;
  if (interaction.isAutocomplete()) return answerAutocomplete(app, interaction);
  if (interaction.isChatInputCommand()) return router.command(interaction.commandName, rawOptions(interaction), new DiscordInteraction(interaction, services));
  if (interaction.isMessageContextMenuCommand()) {
    return router.command(interaction.commandName, { message: interaction.targetMessage.content }, new DiscordInteraction(interaction, services));
  }
  if (interaction.isStringSelectMenu()) return router.component(interaction.customId, new DiscordInteraction(interaction, services, interaction.values));
  if (interaction.isButton()) return router.component(interaction.customId, new DiscordInteraction(interaction, services));
  if (interaction.isModalSubmit()) return router.component(interaction.customId, new DiscordInteraction(interaction, services, [], formFields(interaction)));
  botLog.warn({ interaction: interaction.id, type: interaction.type }, "interaction of a kind Loopy does not handle");
}

/**
 * Logs in and routes every interaction to the app's router. Resolves once the client is ready;
 * `stop` disconnects from the gateway.
 */
export async function startDiscordBot(app: App, options: { client?: Client } = {}): Promise<{ stop(): Promise<void> }> {
  const { config } = app.services;
  if (!config.DISCORD_TOKEN) throw new Error("DISCORD_TOKEN is not set");
  const client = options.client ?? createDiscordClient(config);

  client.on(Events.InteractionCreate, (interaction) => {
    const started = Date.now();
    route(app, interaction).then(
      () => botLog.debug({ interaction: interaction.id, type: interaction.type, ms: Date.now() - started }, "interaction handled"),
      (error: unknown) => botLog.error({ err: error, interaction: interaction.id, type: interaction.type, user: interaction.user.id, guild: interaction.guildId }, "interaction failed"),
    );
  });
  client.on(Events.GuildCreate, (guild) => botLog.info({ guild: guild.id }, "joined a server"));
  // discord.js emits guildDelete only for a server Loopy was removed from (an outage is guildUnavailable).
  client.on(Events.GuildDelete, (guild) => {
    botLog.info({ guild: guild.id }, "removed from a server");
    app.services.daily.removeGuild(guild.id).catch((error: unknown) => botLog.error({ err: error, guild: guild.id }, "could not forget the server's daily quiz"));
  });
  client.on(Events.ShardReady, (shard) => botLog.info({ shard }, "gateway shard ready"));
  client.on(Events.ShardResume, (shard, replayed) => botLog.info({ shard, replayed }, "gateway session resumed"));
  client.on(Events.ShardDisconnect, (event, shard) => botLog.warn({ shard, code: event.code }, "gateway disconnected"));
  client.on(Events.Error, (error) => botLog.error({ err: error }, "discord.js error"));

  const ready = once(client, Events.ClientReady);
  await client.login(config.DISCORD_TOKEN);
  await ready;
  botLog.info({ user: client.user?.tag, guilds: client.guilds.cache.size, shards: [...client.ws.shards.keys()], shardCount: client.options.shardCount }, "logged in to Discord");

  return {
    async stop() {
      await client.destroy();
      botLog.info("disconnected from Discord");
    },
  };
}
