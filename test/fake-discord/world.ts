import { ChannelType, PermissionFlagsBits } from "discord.js";

/**
 * The guilds the fake Discord knows: users, roles, channels and the bot's own member,
 * as API objects, plus Discord's permission arithmetic over them.
 */

export interface FakeUser {
  id: string;
  username: string;
  global_name: string;
  discriminator: "0";
  avatar: null;
  bot?: boolean;
}

export interface FakeMember {
  user: FakeUser;
  roles: string[];
}

interface Overwrite {
  id: string;
  type: 0 | 1;
  allow: string;
  deny: string;
}

export interface FakeChannel {
  id: string;
  type: ChannelType.GuildText;
  guild_id: string;
  name: string;
  position: number;
  permission_overwrites: Overwrite[];
}

const fixedDate = "2024-01-01T00:00:00.000Z";
const discordEpoch = 1_420_070_400_000;
// Made from the clock like Discord's, so test files sharing one Redis never reuse an interaction id.
let nextSnowflake = (BigInt(Date.now() - discordEpoch) << 22n) + BigInt(Math.floor(Math.random() * 2 ** 21));

export function snowflake(): string {
  nextSnowflake += 1n;
  return nextSnowflake.toString();
}

function user(id: string, username: string, bot = false): FakeUser {
  return { id, username, global_name: username, discriminator: "0", avatar: null, ...(bot ? { bot } : {}) };
}

const everyoneBase = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AttachFiles | PermissionFlagsBits.ReadMessageHistory | PermissionFlagsBits.UseApplicationCommands;

export const applicationId = "1100000000000000001";

export const users = {
  bot: user(applicationId, "Loopy", true),
  alice: user("1000000000000000011", "alice"),
  bob: user("1000000000000000012", "bob"),
  /** Has Manage Server through the Admins role. */
  admin: user("1000000000000000013", "ada"),
};

export interface FakeGuild {
  id: string;
  name: string;
  /** @everyone (whose id is the guild's) first. */
  roles: { id: string; name: string; permissions: bigint }[];
  channels: {
    general: FakeChannel;
    /** The bot can read it but not post. */
    announcements: FakeChannel;
  };
  members: FakeMember[];
}

/** A guild with the same people and layout as every other, under its own ids. */
function guild(id: string, name: string, ids: { admins: string; general: string; announcements: string }): FakeGuild {
  const channel = (channelId: string, channelName: string, position: number, overwrites: Overwrite[] = []): FakeChannel =>
    ({ id: channelId, type: ChannelType.GuildText, guild_id: id, name: channelName, position, permission_overwrites: overwrites });
  return {
    id,
    name,
    roles: [
      { id, name: "@everyone", permissions: everyoneBase },
      { id: ids.admins, name: "Admins", permissions: everyoneBase | PermissionFlagsBits.ManageGuild },
    ],
    channels: {
      general: channel(ids.general, "general", 0),
      announcements: channel(ids.announcements, "announcements", 1, [{ id: applicationId, type: 1, allow: "0", deny: String(PermissionFlagsBits.SendMessages) }]),
    },
    members: [
      { user: users.bot, roles: [] },
      { user: users.alice, roles: [] },
      { user: users.bob, roles: [] },
      { user: users.admin, roles: [ids.admins] },
    ],
  };
}

/**
 * The guilds the bot is in. With two shards they fall on different ones (Discord's rule,
 * (guild_id >> 22) % shards): the first on shard 1, the second on shard 0.
 */
export const guilds: FakeGuild[] = [
  guild("1200000000000000001", "Asyncio Learners", { admins: "1200000000000000002", general: "1200000000000000101", announcements: "1200000000000000102" }),
  guild("1300000000000000001", "Event Loop Club", { admins: "1300000000000000002", general: "1300000000000000101", announcements: "1300000000000000102" }),
];

/** The guild a test acts in unless it picks a channel of another. */
const mainGuild = guilds[0]!;
export const guildId = mainGuild.id;
export const channels = mainGuild.channels;

export function findGuild(id: string): FakeGuild | undefined {
  return guilds.find((candidate) => candidate.id === id);
}

export function findChannel(channelId: string): FakeChannel | undefined {
  return guilds.flatMap((candidate) => Object.values(candidate.channels)).find((channel) => channel.id === channelId);
}

export function memberOf(where: FakeGuild, userId: string): FakeMember | undefined {
  return where.members.find((member) => member.user.id === userId);
}

export function memberJson(member: FakeMember) {
  return { user: member.user, roles: member.roles, joined_at: fixedDate, deaf: false, mute: false, flags: 0, pending: false };
}

export function rolesJson(where: FakeGuild) {
  return where.roles.map((role, position) => ({
    id: role.id,
    name: role.name,
    permissions: String(role.permissions),
    position,
    color: 0,
    hoist: false,
    managed: false,
    mentionable: false,
    flags: 0,
  }));
}

/** The guild as GUILD_CREATE and GET /guilds/{id} carry it. */
export function guildJson(where: FakeGuild) {
  return {
    id: where.id,
    name: where.name,
    icon: null,
    owner_id: users.admin.id,
    roles: rolesJson(where),
    channels: Object.values(where.channels),
    members: [memberJson(memberOf(where, users.bot.id)!)],
    member_count: where.members.length,
    joined_at: fixedDate,
    large: false,
    unavailable: false,
    features: [],
    emojis: [],
    stickers: [],
    voice_states: [],
    presences: [],
    threads: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    preferred_locale: "en-US",
    premium_tier: 0,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    mfa_level: 0,
    nsfw_level: 0,
    system_channel_id: null,
    afk_channel_id: null,
    afk_timeout: 300,
  };
}

/** The member's permissions in the guild, from their roles (Discord's "base permissions"). */
export function guildPermissions(where: FakeGuild, userId: string): bigint {
  const member = memberOf(where, userId);
  if (!member) return 0n;
  const permissions = where.roles.filter((role) => role.id === where.id || member.roles.includes(role.id)).reduce((all, role) => all | role.permissions, 0n);
  return permissions & PermissionFlagsBits.Administrator ? ~0n & ((1n << 53n) - 1n) : permissions;
}

/** Base permissions with the channel's overwrites applied: @everyone, then roles, then the member. */
export function channelPermissions(userId: string, channelId: string): bigint {
  const target = findChannel(channelId);
  const where = target && findGuild(target.guild_id);
  if (!target || !where) return 0n;
  let permissions = guildPermissions(where, userId);
  const member = memberOf(where, userId);
  if (!member || permissions & PermissionFlagsBits.Administrator) return permissions;
  const apply = (overwrites: Overwrite[]) => {
    const deny = overwrites.reduce((all, overwrite) => all | BigInt(overwrite.deny), 0n);
    const allow = overwrites.reduce((all, overwrite) => all | BigInt(overwrite.allow), 0n);
    permissions = (permissions & ~deny) | allow;
  };
  const overwrites = target.permission_overwrites;
  apply(overwrites.filter((overwrite) => overwrite.id === where.id));
  apply(overwrites.filter((overwrite) => overwrite.type === 0 && overwrite.id !== where.id && member.roles.includes(overwrite.id)));
  apply(overwrites.filter((overwrite) => overwrite.type === 1 && overwrite.id === userId));
  return permissions;
}
