import type { Redis } from "ioredis";
import { z } from "zod";
import type { Question } from "../core/content/load.js";
import type { DailySettings } from "../core/quiz/daily.js";
import { rankScores, type RankedScore } from "../core/quiz/leaderboard.js";
import { currentStreak, noStreak, type Streak } from "../core/quiz/streak.js";
import { isoWeek } from "../core/quiz/time.js";
import { DAILY_RECORD_TTL_SECONDS, keys, WEEK_BOARD_TTL_SECONDS } from "./keys.js";
import { pickFromRound, recordOnce } from "./quiz-store.js";

/** Redis hashes hold strings; these schemas turn them back into typed values and reject damaged records. */
const storedSettings = z.object({
  channelId: z.string(),
  time: z.string(),
  timeZone: z.string(),
  revealAfterMinutes: z.coerce.number(),
  pingRoleId: z.string().optional(),
  paused: z.enum(["0", "1"]).transform((flag) => flag === "1"),
  activeFrom: z.coerce.number(),
});

const storedPost = z.object({
  questionId: z.string(),
  number: z.coerce.number(),
  channelId: z.string(),
  messageId: z.string(),
  revealAt: z.coerce.number(),
  revealed: z.literal("1").optional().transform((flag) => flag === "1"),
});

export type DailyPost = z.infer<typeof storedPost>;

const storedStreak = z.object({ current: z.number(), best: z.number(), last: z.number() });

/** The settings of many guilds in one round trip (the start-up catch-up looks at every guild). */
export async function readSettingsOf(redis: Redis, guildIds: string[]): Promise<(DailySettings | undefined)[]> {
  const pipeline = redis.pipeline();
  for (const guildId of guildIds) pipeline.hgetall(keys.dailySettings(guildId));
  return (await pipeline.exec())!.map(([error, hash]) => {
    if (error) throw error;
    return Object.keys(hash as object).length === 0 ? undefined : storedSettings.parse(hash);
  });
}

export async function readSettings(redis: Redis, guildId: string): Promise<DailySettings | undefined> {
  return (await readSettingsOf(redis, [guildId]))[0];
}

export async function writeSettings(redis: Redis, guildId: string, settings: DailySettings): Promise<void> {
  const { pingRoleId, paused, ...rest } = settings;
  const transaction = redis.multi().del(keys.dailySettings(guildId));
  transaction.hset(keys.dailySettings(guildId), { ...rest, paused: paused ? "1" : "0", ...(pingRoleId ? { pingRoleId } : {}) });
  await transaction.sadd(keys.dailyGuilds(), guildId).exec();
}

export async function deleteSettings(redis: Redis, guildId: string): Promise<boolean> {
  const [[, deleted]] = (await redis.multi().del(keys.dailySettings(guildId)).srem(keys.dailyGuilds(), guildId).exec())! as [[null, number]];
  return deleted === 1;
}

export const dailyGuildIds = (redis: Redis) => redis.smembers(keys.dailyGuilds());

export async function readState(redis: Redis, guildId: string): Promise<{ posted: number; lastDate?: string }> {
  const [posted, lastDate] = await redis.hmget(keys.dailyState(guildId), "posted", "lastDate");
  return { posted: Number(posted ?? 0), lastDate: lastDate ?? undefined };
}

/** True for the one caller that may post the guild's quiz of `date`; others (another process, a retry) get false. */
export async function claimDay(redis: Redis, guildId: string, date: string, owner: string): Promise<boolean> {
  return (await redis.set(keys.dailyClaim(guildId, date), owner, "EX", DAILY_RECORD_TTL_SECONDS, "NX")) === "OK";
}

/** Which of these guild days were claimed already, in one round trip. */
export async function claimedDays(redis: Redis, days: { guildId: string; date: string }[]): Promise<boolean[]> {
  if (days.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const { guildId, date } of days) pipeline.exists(keys.dailyClaim(guildId, date));
  return (await pipeline.exec())!.map(([error, exists]) => {
    if (error) throw error;
    return exists === 1;
  });
}

/** Gives the day back after a failed post, so a retry may post it. */
export async function releaseDay(redis: Redis, guildId: string, date: string): Promise<void> {
  await redis.del(keys.dailyClaim(guildId, date));
}

export async function savePost(redis: Redis, guildId: string, date: string, post: Omit<DailyPost, "revealed">): Promise<void> {
  await redis
    .multi()
    .hset(keys.dailyPost(guildId, date), post)
    .expire(keys.dailyPost(guildId, date), DAILY_RECORD_TTL_SECONDS)
    .hset(keys.dailyState(guildId), { posted: post.number, lastDate: date })
    .exec();
}

export async function readPost(redis: Redis, guildId: string, date: string): Promise<DailyPost | undefined> {
  const hash = await redis.hgetall(keys.dailyPost(guildId, date));
  return Object.keys(hash).length === 0 ? undefined : storedPost.parse(hash);
}

/** True for the one caller that reveals (and scores) the quiz of `date`. */
export async function claimReveal(redis: Redis, guildId: string, date: string): Promise<boolean> {
  return (await redis.hsetnx(keys.dailyPost(guildId, date), "revealed", "1")) === 1;
}

/** A question this guild's daily quiz has not posted in the current round of the bank. */
export const pickDailyQuestion = (redis: Redis, guildId: string, candidates: Question[], random?: () => number) =>
  pickFromRound(redis, keys.dailyUsed(guildId), candidates, random);

export const recordDailyAnswer = (redis: Redis, guildId: string, date: string, userId: string, choice: number) =>
  recordOnce(redis, keys.dailyAnswers(guildId, date), userId, choice, DAILY_RECORD_TTL_SECONDS);

export async function readDailyAnswers(redis: Redis, guildId: string, date: string): Promise<Map<string, number>> {
  const hash = await redis.hgetall(keys.dailyAnswers(guildId, date));
  return new Map(Object.entries(hash).map(([userId, choice]) => [userId, Number(choice)]));
}

export async function readStreaks(redis: Redis, guildId: string, userIds: string[]): Promise<Streak[]> {
  if (userIds.length === 0) return [];
  const stored = await redis.hmget(keys.dailyStreaks(guildId), ...userIds);
  return stored.map((json) => (json === null ? noStreak : storedStreak.parse(JSON.parse(json))));
}

/**
 * Writes the streaks and points of one scored daily quiz. Only the one reveal of a quiz writes
 * (claimReveal), and reveals of a guild happen in order, so reading then writing streaks is safe.
 */
export async function saveScores(redis: Redis, guildId: string, date: string, streaks: Map<string, Streak>, correctUserIds: string[]): Promise<void> {
  const week = keys.boardWeek(guildId, isoWeek(date));
  const transaction = redis.multi();
  if (streaks.size > 0) transaction.hset(keys.dailyStreaks(guildId), Object.fromEntries([...streaks].map(([userId, streak]) => [userId, JSON.stringify(streak)])));
  for (const userId of correctUserIds) transaction.zincrby(keys.boardAll(guildId), 1, userId).zincrby(week, 1, userId);
  if (correctUserIds.length > 0) transaction.expire(week, WEEK_BOARD_TTL_SECONDS);
  await transaction.exec();
}

export const boardKey = (guildId: string, period: "week" | "all", today: string) =>
  period === "all" ? keys.boardAll(guildId) : keys.boardWeek(guildId, isoWeek(today));

export async function readBoard(redis: Redis, boardKeyName: string, userId: string): Promise<{ top: RankedScore[]; you: { userId: string; rank?: number; score: number } }> {
  const [flat, score] = await Promise.all([redis.zrevrange(boardKeyName, 0, 9, "WITHSCORES"), redis.zscore(boardKeyName, userId)]);
  const scores = [];
  for (let index = 0; index < flat.length; index += 2) scores.push({ userId: flat[index]!, score: Number(flat[index + 1]) });
  if (score === null) return { top: rankScores(scores), you: { userId, score: 0 } };
  // Competition rank: one more than the number of users with a strictly higher score.
  const ahead = await redis.zcount(boardKeyName, `(${score}`, "+inf");
  return { top: rankScores(scores), you: { userId, rank: ahead + 1, score: Number(score) } };
}

/** A user's daily streak in a guild as it stands now: a quiz skipped since the last correct answer ends it. */
export async function readUserStreak(redis: Redis, guildId: string, userId: string): Promise<{ current: number; best: number }> {
  const [[streak], { posted, lastDate }] = await Promise.all([readStreaks(redis, guildId, [userId]), readState(redis, guildId)]);
  // The latest quiz may still be open: not answering it yet breaks nothing.
  const latestOpen = lastDate !== undefined && (await readPost(redis, guildId, lastDate))?.revealed === false;
  return { current: currentStreak(streak!, latestOpen ? posted - 1 : posted), best: streak!.best };
}
