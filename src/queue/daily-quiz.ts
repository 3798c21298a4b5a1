import { randomUUID } from "node:crypto";
import type { Content, Question } from "../core/content/load.js";
import type { DailyQuizService, DailySettings, DailySetup, DailyStatus } from "../core/quiz/daily.js";
import type { Person } from "../core/person.js";
import type { ChannelPoster } from "../core/quiz/poster.js";
import { questionReply, revealReply } from "../core/quiz/replies.js";
import { choiceLetter, isCorrect } from "../core/quiz/select.js";
import { shownQuestion } from "../core/quiz/shuffle.js";
import { scoreAnswer } from "../core/quiz/streak.js";
import { localClock, localDate, localInstant, nextDate } from "../core/quiz/time.js";
import { actionId, errorReply, type Reply } from "../core/reply.js";
import {
  claimDay,
  claimedDays,
  claimReveal,
  dailyGuildIds,
  deleteSettings,
  pickDailyQuestion,
  readDailyAnswers,
  readPost,
  readSettings,
  readSettingsOf,
  readState,
  readStreaks,
  recordDailyAnswer,
  releaseDay,
  savePost,
  saveScores,
  writeSettings,
} from "../store/daily-store.js";
import { recordProgress } from "../store/quiz-store.js";
import { dailyQuizPosts, dailyQuizReveals } from "../health/metrics.js";
import { log } from "../log.js";
import type { Redis } from "ioredis";
import type { DailySchedules } from "./daily-schedule.js";

const dailyLog = log.child({ module: "daily-quiz" });

/** A scheduler job may fire a little early; within this margin it still counts for its slot. */
const EARLY_MS = 5_000;

/** Guilds read per round trip by the start-up catch-up. */
const CATCH_UP_BATCH = 500;

export interface DailyQuizDependencies {
  redis: Redis;
  content: Content;
  poster: ChannelPoster;
  schedules: DailySchedules;
  /** Tests move time; everything else uses the real clock. */
  now?: () => number;
  random?: () => number;
}

/**
 * The daily quiz: one question a day per server at its local time, answered once per member,
 * revealed later with the votes, and scored into streaks and leaderboards. Safe to run in several
 * processes at once: a post and a reveal each happen once, guarded by atomic claims in Redis.
 */
export class DailyQuiz implements DailyQuizService {
  private readonly redis: Redis;
  private readonly schedules: DailySchedules;
  private readonly now: () => number;
  /** Names this process in claims, to tell in Redis who posted. */
  private readonly owner = randomUUID();

  constructor(private readonly deps: DailyQuizDependencies) {
    this.redis = deps.redis;
    this.schedules = deps.schedules;
    this.now = deps.now ?? Date.now;
  }

  async setup(guildId: string, setup: DailySetup): Promise<DailyStatus> {
    const settings: DailySettings = { ...setup, paused: false, activeFrom: this.now() };
    await writeSettings(this.redis, guildId, settings);
    await this.schedules.schedule(guildId, settings);
    dailyLog.info({ guild: guildId, time: setup.time, timeZone: setup.timeZone, channel: setup.channelId }, "daily quiz set up");
    return (await this.status(guildId))!;
  }

  async status(guildId: string): Promise<DailyStatus | undefined> {
    const settings = await readSettings(this.redis, guildId);
    if (!settings) return undefined;
    const [next, state] = await Promise.all([this.nextPost(guildId, settings), readState(this.redis, guildId)]);
    return { settings, ...next, posted: state.posted, lastPostDate: state.lastDate };
  }

  /**
   * When the scheduler's job will next post, from the schedule and the day's claim: a post is claimed
   * once per local day, so after today's quiz went out (at an earlier time, before a new `/daily setup`)
   * the job that fires later today posts nothing, and the next quiz is tomorrow's.
   */
  private async nextPost(guildId: string, settings: DailySettings): Promise<Pick<DailyStatus, "nextPostAt" | "todayAlreadyPosted">> {
    if (settings.paused) return {};
    const { time, timeZone } = settings;
    const now = this.now();
    const today = localDate(now, timeZone);
    const todaySlot = localInstant(today, time, timeZone);
    const tomorrowSlot = localInstant(nextDate(today), time, timeZone);
    if (now >= todaySlot) return { nextPostAt: tomorrowSlot };
    const [claimed] = await claimedDays(this.redis, [{ guildId, date: today }]);
    return claimed ? { nextPostAt: tomorrowSlot, todayAlreadyPosted: true } : { nextPostAt: todaySlot };
  }

  async pause(guildId: string): Promise<boolean> {
    return this.setPaused(guildId, true);
  }

  async resume(guildId: string): Promise<boolean> {
    return this.setPaused(guildId, false);
  }

  private async setPaused(guildId: string, paused: boolean): Promise<boolean> {
    const settings = await readSettings(this.redis, guildId);
    if (!settings) return false;
    // Resuming at 10:00 must not post the 09:00 quiz that was skipped while paused.
    await writeSettings(this.redis, guildId, { ...settings, paused, activeFrom: paused ? settings.activeFrom : this.now() });
    if (paused) await this.schedules.unschedule(guildId);
    else await this.schedules.schedule(guildId, settings);
    dailyLog.info({ guild: guildId, paused }, paused ? "daily quiz paused" : "daily quiz resumed");
    return true;
  }

  async off(guildId: string): Promise<boolean> {
    await this.schedules.unschedule(guildId);
    const existed = await deleteSettings(this.redis, guildId);
    if (existed) dailyLog.info({ guild: guildId }, "daily quiz turned off");
    return existed;
  }

  async removeGuild(guildId: string): Promise<void> {
    await this.off(guildId);
  }

  /**
   * The local date whose quiz is owed now: today's, once its time has come. "HH:MM" strings compare
   * like the times they name, which keeps the start-up catch-up over thousands of servers cheap.
   */
  private owedDate(settings: DailySettings | undefined): string | undefined {
    if (!settings || settings.paused) return undefined;
    const { time, timeZone, activeFrom } = settings;
    const now = this.now() + EARLY_MS;
    const today = localDate(now, timeZone);
    if (localClock(now, timeZone) < time) return undefined;
    // Set up or resumed after today's time: that quiz is not owed, tomorrow's is the first.
    if (localDate(activeFrom, timeZone) === today && localClock(activeFrom, timeZone) > time) return undefined;
    return today;
  }

  /** Posts the server's quiz of today if it is owed and nobody (no other process, no earlier run) posted it. */
  async postIfOwed(guildId: string): Promise<void> {
    const settings = await readSettings(this.redis, guildId);
    const date = this.owedDate(settings);
    if (!settings || !date) return;
    if (!(await claimDay(this.redis, guildId, date, this.owner))) return;
    let posted: { messageId: string; question: Question; number: number; revealAt: number } | undefined;
    try {
      posted = await this.post(guildId, date, settings);
    } catch (error) {
      // Nothing reached the channel: give the day back so the job's retry can post it.
      await releaseDay(this.redis, guildId, date);
      throw error;
    }
    if (!posted) return;
    const { messageId, question, number, revealAt } = posted;
    await savePost(this.redis, guildId, date, { questionId: question.id, number, channelId: settings.channelId, messageId, revealAt });
    await this.schedules.revealLater(guildId, date, revealAt - this.now());
    dailyLog.info({ guild: guildId, date, number, question: question.id, message: messageId }, "daily quiz posted");
    dailyQuizPosts.inc();
  }

  /** Closes the previous quiz, picks a question not yet posted in this server, and posts it. */
  private async post(guildId: string, date: string, settings: DailySettings) {
    const { posted, lastDate } = await readState(this.redis, guildId);
    // The previous quiz closes before the next opens, so streaks are always scored in order.
    if (lastDate) await this.reveal(guildId, lastDate);
    const question = await pickDailyQuestion(this.redis, guildId, this.deps.content.questions, this.deps.random);
    if (!question) {
      dailyLog.warn({ guild: guildId }, "the question bank is empty; no daily quiz posted");
      return undefined;
    }
    const number = posted + 1;
    const revealAt = this.now() + settings.revealAfterMinutes * 60_000;
    const reply = this.dailyQuestionReply(dailyShown(question, guildId, date), number, date, revealAt, settings);
    const { messageId } = await this.deps.poster.post(settings.channelId, reply, { pingRoleId: settings.pingRoleId });
    return { messageId, question, number, revealAt };
  }

  private dailyQuestionReply(question: Question, number: number, date: string, revealAt: number, settings: DailySettings): Reply {
    return questionReply(question, this.deps.content.concepts, (choice) => actionId("daily", "answer", date, String(choice)), {
      heading: `Daily quiz #${number}`,
      footer: `One answer each. The answer is revealed at ${localClock(revealAt, settings.timeZone)} (${settings.timeZone}).`,
      text: settings.pingRoleId ? `<@&${settings.pingRoleId}>` : undefined,
    });
  }

  /** Reveals and scores the quiz of `date`, once however often it is called. */
  async reveal(guildId: string, date: string): Promise<void> {
    const post = await readPost(this.redis, guildId, date);
    if (!post || post.revealed || !(await claimReveal(this.redis, guildId, date))) return;
    const inBank = this.question(post.questionId);
    if (!inBank) {
      dailyLog.warn({ guild: guildId, date, question: post.questionId }, "the daily question left the bank; not revealed");
      return;
    }
    // Votes are positions on the posted message: scored and revealed in its order.
    const question = dailyShown(inBank, guildId, date);
    const votes = await readDailyAnswers(this.redis, guildId, date);
    const voters = [...votes.keys()];
    const before = await readStreaks(this.redis, guildId, voters);
    const correct = voters.filter((userId) => isCorrect(question, votes.get(userId)!));
    const streaks = new Map(voters.map((userId, index) => [userId, scoreAnswer(before[index]!, post.number, correct.includes(userId))]));
    await saveScores(this.redis, guildId, date, streaks, correct);
    await recordProgress(this.redis, voters.map((userId) => ({ userId, concept: question.concept, correct: correct.includes(userId) })));
    const reply = revealReply(question, post.number, votes, this.deps.content.concepts);
    try {
      await this.deps.poster.edit(post.channelId, post.messageId, reply);
    } catch (error) {
      // The message may have been deleted; the answer then comes as a message of its own.
      dailyLog.warn({ err: error, guild: guildId, date }, "could not edit the daily quiz; posting the answer instead");
      await this.deps.poster.post(post.channelId, reply);
    }
    dailyLog.info({ guild: guildId, date, number: post.number, votes: votes.size, correct: correct.length }, "daily quiz revealed");
    dailyQuizReveals.inc();
  }

  async answer(guildId: string, date: string, user: Person, choice: number): Promise<Reply> {
    const post = await readPost(this.redis, guildId, date);
    const question = post && this.question(post.questionId);
    if (!post || !question) return errorReply("This daily quiz is over. A new one comes tomorrow!");
    if (post.revealed) return errorReply("This daily quiz is closed: the answer is on the message now.");
    if (choice >= question.choices.length) return errorReply("That choice is not part of this question.");
    const timeZone = (await readSettings(this.redis, guildId))?.timeZone ?? "UTC";
    const when = `The answer is revealed at ${localClock(post.revealAt, timeZone)} (${timeZone}).`;
    const previous = await recordDailyAnswer(this.redis, guildId, date, user.id, choice);
    if (previous !== undefined) return errorReply(`You already answered ${choiceLetter(previous)}; one answer each. ${when}`);
    return { cards: [{ title: `Locked in: ${choiceLetter(choice)}`, body: when, tone: "info" }], private: true };
  }

  /** At start-up: queues the posts owed since a downtime, for every server whose slot passed today without one. */
  async catchUp(): Promise<number> {
    const guildIds = await dailyGuildIds(this.redis);
    let queued = 0;
    for (let first = 0; first < guildIds.length; first += CATCH_UP_BATCH) {
      const batch = guildIds.slice(first, first + CATCH_UP_BATCH);
      const settings = await readSettingsOf(this.redis, batch);
      const owed = batch.flatMap((guildId, index) => {
        const date = this.owedDate(settings[index]);
        return date ? [{ guildId, date }] : [];
      });
      const claimed = await claimedDays(this.redis, owed);
      for (const [index, { guildId, date }] of owed.entries()) {
        if (claimed[index]) continue;
        await this.schedules.catchUp(guildId, date);
        queued++;
      }
    }
    if (queued > 0) dailyLog.info({ queued }, "queued daily quizzes missed during a downtime");
    return queued;
  }

  /** The question of the bank by id, in its authored order (see dailyShown for the order posted). */
  private question(id: string): Question | undefined {
    return this.deps.content.questions.find((question) => question.id === id);
  }
}

/** A daily question as its message shows it: the order of choices is fixed by the quiz's server and date. */
function dailyShown(question: Question, guildId: string, date: string): Question {
  return shownQuestion(question, `daily:${guildId}:${date}`);
}
