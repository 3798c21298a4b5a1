import type { Redis } from "ioredis";
import type { Question } from "../core/content/load.js";
import type { ConceptProgress } from "../core/quiz/replies.js";
import { pickUnseen } from "../core/quiz/select.js";
import { keys, QUIZ_ANSWERS_TTL_SECONDS } from "./keys.js";

/**
 * Picks a question not yet in the round set `roundKey` and records it there; when every candidate
 * was seen, those candidates leave the set and a new round starts (other filters keep their rounds).
 */
export async function pickFromRound(redis: Redis, roundKey: string, candidates: Question[], random?: () => number): Promise<Question | undefined> {
  const seen = new Set(await redis.smembers(roundKey));
  const pick = pickUnseen(candidates, seen, random);
  if (!pick) return undefined;
  const transaction = redis.multi();
  if (pick.newRound) transaction.srem(roundKey, ...candidates.map((question) => question.id));
  await transaction.sadd(roundKey, pick.question.id).exec();
  return pick.question;
}

export const pickQuizQuestion = (redis: Redis, userId: string, candidates: Question[], random?: () => number) =>
  pickFromRound(redis, keys.quizSeen(userId), candidates, random);

/**
 * Records a user's one answer in an answers hash. Returns undefined the first time, else the choice
 * recorded before (a second press changes nothing).
 */
export async function recordOnce(redis: Redis, answersKey: string, userId: string, choice: number, ttlSeconds: number): Promise<number | undefined> {
  const [[, added], [, previous]] = (await redis
    .multi()
    .hsetnx(answersKey, userId, String(choice))
    .hget(answersKey, userId)
    .expire(answersKey, ttlSeconds, "NX")
    .exec())! as [[null, number], [null, string]];
  return added === 1 ? undefined : Number(previous);
}

export const recordQuizAnswer = (redis: Redis, postId: string, userId: string, choice: number) =>
  recordOnce(redis, keys.quizAnswers(postId), userId, choice, QUIZ_ANSWERS_TTL_SECONDS);

export interface ScoredAnswer {
  userId: string;
  concept: string;
  correct: boolean;
}

export async function recordProgress(redis: Redis, answers: ScoredAnswer[]): Promise<void> {
  const pipeline = redis.pipeline();
  for (const { userId, concept, correct } of answers) {
    pipeline.hincrby(keys.progress(userId), `${concept}:answered`, 1);
    if (correct) pipeline.hincrby(keys.progress(userId), `${concept}:correct`, 1);
  }
  await pipeline.exec();
}

export async function readProgress(redis: Redis, userId: string): Promise<ConceptProgress[]> {
  const counts = await redis.hgetall(keys.progress(userId));
  return Object.keys(counts)
    .filter((field) => field.endsWith(":answered"))
    .map((field) => {
      const concept = field.slice(0, -":answered".length);
      return { concept, answered: Number(counts[field]), correct: Number(counts[`${concept}:correct`] ?? 0) };
    });
}
