import { randomUUID } from "node:crypto";
import { PermissionFlagsBits } from "discord.js";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as dailyCommand from "../../commands/daily.js";
import { localClock } from "../../src/core/quiz/time.js";
import { DAILY_QUEUE, DailySchedules, schedulerId } from "../../src/queue/daily-schedule.js";
import { keys } from "../../src/store/keys.js";
import { waitUntil } from "../wait.js";
import { actionsOf, as, RecordingPoster, shownAnswer, startProcess, testRedis, TestClock, textOf, type TestProcess } from "./helpers.js";

const DB = 6;
const PREFIX = "test-daily";
let redis: Redis;
const started: TestProcess[] = [];

beforeAll(async () => {
  redis = await testRedis(DB);
});
// Every test starts from an empty database, so one test's servers are never caught up by another's processes.
afterEach(async () => {
  await Promise.all(started.splice(0).map((bot) => bot.stop()));
  await redis.flushdb();
});
afterAll(() => redis.disconnect());

async function start(poster: RecordingPoster, clock: TestClock): Promise<TestProcess> {
  const bot = await startProcess({ db: DB, prefix: PREFIX, poster, clock });
  started.push(bot);
  return bot;
}

const admin = (bot: TestProcess, guildId: string) => as(bot, { guildId, canManageServer: true, userId: "admin" });
const setup = { subcommand: "setup", channel: "111", time: "09:00", timezone: "Europe/Madrid" };

describe("trying the daily quiz without disturbing it", () => {
  it("/daily status without a daily quiz says how to start one, not sorry", async () => {
    const bot = await start(new RecordingPoster(), new TestClock(Date.now()));
    const [reply] = (await admin(bot, randomUUID()).command("daily", { subcommand: "status" })).replies;
    expect(reply!.cards![0]).toMatchObject({ title: "No daily quiz", tone: "info" });
    expect(textOf(reply!)).toContain("/daily preview");
  });

  it("/daily preview shows a daily quiz privately, answerable like /quiz, and changes nothing", async () => {
    const poster = new RecordingPoster();
    const bot = await start(poster, new TestClock(Date.parse("2026-03-30T06:00:00Z")));
    const guildId = randomUUID();
    await admin(bot, guildId).command("daily", setup);
    const before = await bot.services.daily.status(guildId);
    const [preview] = (await admin(bot, guildId).command("daily", { subcommand: "preview" })).replies;
    expect(preview!.private).toBe(true);
    expect(preview!.text).toMatch(/^Preview: only you see this; nothing was posted, scored/);
    expect(preview!.cards![0]!.title).toMatch(/^Daily quiz #1: /);
    expect(preview!.cards![0]!.footer).toBe("One answer each. The answer is revealed 12h after posting (Europe/Madrid).");
    const [answer] = actionsOf(preview!);
    expect(answer).toMatch(/^quiz:answer:/);
    const [feedback] = await admin(bot, guildId).press(answer!);
    expect(feedback!.cards![0]!.title).toMatch(/^(Right: A!|Not quite)/);
    expect(poster.posts).toEqual([]);
    expect(await bot.services.daily.status(guildId)).toEqual(before);
    expect(await redis.keys(`*${guildId}*seen*`)).toEqual([]);
  });

  it("/daily post-now posts an unscored practice quiz in the daily channel, leaving the schedule and scores alone", async () => {
    const poster = new RecordingPoster();
    const bot = await start(poster, new TestClock(Date.parse("2026-03-30T06:00:00Z")));
    const guildId = randomUUID();
    const [noChannel] = (await admin(bot, guildId).command("daily", { subcommand: "post-now" })).replies;
    expect(textOf(noChannel!)).toContain("Name a channel");
    await admin(bot, guildId).command("daily", setup);
    const before = await bot.services.daily.status(guildId);
    const { replies } = await admin(bot, guildId).command("daily", { subcommand: "post-now" });
    expect(replies.at(-1)!.cards![0]!.title).toBe("Posted a practice quiz");
    expect(poster.posts).toHaveLength(1);
    expect(poster.posts[0]).toMatchObject({ channelId: "111", pingRoleId: undefined });
    expect(poster.posts[0]!.reply.cards![0]!.title).toMatch(/^Practice quiz: /);
    expect(actionsOf(poster.posts[0]!.reply).every((action) => action.startsWith("quiz:answer:"))).toBe(true);
    // Today's 09:00 quiz is still owed, and nothing was counted.
    expect(await bot.services.daily.status(guildId)).toEqual(before);
    poster.refused.set("222", "I lack Send Messages there.");
    expect(textOf((await admin(bot, guildId).command("daily", { subcommand: "post-now", channel: "222" })).replies[0]!)).toContain("I lack Send Messages there.");
  });
});

describe("/daily permissions and validation", () => {
  it("requires Manage Server in the definition and again when run", async () => {
    expect((dailyCommand.data.toJSON() as { default_member_permissions: string }).default_member_permissions).toBe(String(PermissionFlagsBits.ManageGuild));
    const bot = await start(new RecordingPoster(), new TestClock(Date.now()));
    const guildId = randomUUID();
    const [reply] = (await as(bot, { guildId, canManageServer: false }).command("daily", setup)).replies;
    expect(textOf(reply!)).toContain("Manage Server permission");
    expect(await bot.services.daily.status(guildId)).toBeUndefined();
    const [dm] = (await as(bot, { guildId: null, canManageServer: true }).command("daily", { subcommand: "status" })).replies;
    expect(textOf(dm!)).toContain("lives in a server");
  });

  it("answers an unknown time zone with the closest valid names", async () => {
    const bot = await start(new RecordingPoster(), new TestClock(Date.now()));
    const [reply] = (await admin(bot, randomUUID()).command("daily", { ...setup, timezone: "Europe/Madird" })).replies;
    expect(textOf(reply!)).toContain('I don\'t know the time zone "Europe/Madird". Did you mean Europe/Madrid');
  });

  it("keeps current zone names as typed, and answers an offset with zones that have it now", async () => {
    const bot = await start(new RecordingPoster(), new TestClock(Date.now()));
    const guildId = randomUUID();
    await admin(bot, guildId).command("daily", { ...setup, timezone: "europe/kyiv" });
    expect((await bot.services.daily.status(guildId))!.settings.timeZone).toBe("Europe/Kyiv");
    const [offset] = (await admin(bot, randomUUID()).command("daily", { ...setup, timezone: "UTC+2" })).replies;
    expect(textOf(offset!)).toMatch(/"UTC\+2" is an offset, not a time zone: .* Zones at that offset right now: [A-Z]\w+\/\w+/);
  });

  it("rejects a bad time and a bad reveal delay", async () => {
    const bot = await start(new RecordingPoster(), new TestClock(Date.now()));
    expect(textOf((await admin(bot, randomUUID()).command("daily", { ...setup, time: "9am" })).replies[0]!)).toContain("HH:MM");
    expect(textOf((await admin(bot, randomUUID()).command("daily", { ...setup, "reveal-after": "3d" })).replies[0]!)).toContain("between 10m and 23h");
  });

  it("takes a time as H:MM or HH:MM and stores it as HH:MM", async () => {
    const bot = await start(new RecordingPoster(), new TestClock(Date.now()));
    const guildId = randomUUID();
    const [reply] = (await admin(bot, guildId).command("daily", { ...setup, time: "9:00" })).replies;
    expect(textOf(reply!)).toContain("09:00 Europe/Madrid");
    expect((await bot.services.daily.status(guildId))!.settings.time).toBe("09:00");
    const schedules = new DailySchedules(redis, PREFIX);
    expect((await schedules.queue.getJobScheduler(schedulerId(guildId)))?.pattern).toBe("0 9 * * *");
    await schedules.close();
    for (const time of ["25:00", "9:5", "24:00", "9:60", "9.00"]) {
      const other = randomUUID();
      const [refused] = (await admin(bot, other).command("daily", { ...setup, time })).replies;
      expect(textOf(refused!)).toContain("write the time as HH:MM on a 24-hour clock");
      expect(await bot.services.daily.status(other)).toBeUndefined();
    }
  });

  it("refuses a channel the bot cannot post in, with the reason", async () => {
    const poster = new RecordingPoster();
    poster.refused.set("111", "I am missing the Send Messages permission there.");
    const bot = await start(poster, new TestClock(Date.now()));
    const guildId = randomUUID();
    const [reply] = (await admin(bot, guildId).command("daily", setup)).replies;
    expect(textOf(reply!)).toContain("I can't post in <#111>: I am missing the Send Messages permission there.");
    expect(await bot.services.daily.status(guildId)).toBeUndefined();
  });
});

describe("the daily schedule", () => {
  it("registers one scheduler per server at its local time, and pause, resume, off and removeGuild manage it", async () => {
    const bot = await start(new RecordingPoster(), new TestClock(Date.now()));
    const guildId = randomUUID();
    const [reply] = (await admin(bot, guildId).command("daily", { ...setup, "reveal-after": "90m", "ping-role": "222" })).replies;
    expect(textOf(reply!)).toContain("09:00 Europe/Madrid");
    expect(textOf(reply!)).toContain("1h30m");
    const status = (await bot.services.daily.status(guildId))!;
    expect(localClock(status.nextPostAt!, "Europe/Madrid")).toBe("09:00");
    const schedules = new DailySchedules(redis, PREFIX);
    expect((await schedules.queue.getJobScheduler(schedulerId(guildId)))?.tz).toBe("Europe/Madrid");

    await admin(bot, guildId).command("daily", { subcommand: "pause" });
    expect(await schedules.queue.getJobScheduler(schedulerId(guildId))).toBeUndefined();
    expect(textOf((await admin(bot, guildId).command("daily", { subcommand: "status" })).replies[0]!)).toContain("Paused");
    await admin(bot, guildId).command("daily", { subcommand: "resume" });
    expect(await schedules.queue.getJobScheduler(schedulerId(guildId))).toBeDefined();
    await admin(bot, guildId).command("daily", { subcommand: "off" });
    expect(await schedules.queue.getJobScheduler(schedulerId(guildId))).toBeUndefined();
    expect(await redis.sismember(keys.dailyGuilds(), guildId)).toBe(0);
    // Turned off, not "not yet set up": the reply must not say "yet".
    for (const subcommand of ["off", "status", "pause"]) {
      const text = textOf((await admin(bot, guildId).command("daily", { subcommand })).replies[0]!);
      expect(text).toContain("This server has no daily quiz. Set one up with /daily setup.");
      expect(text).not.toContain("yet");
    }

    await admin(bot, guildId).command("daily", setup);
    await bot.services.daily.removeGuild(guildId);
    expect(await schedules.queue.getJobScheduler(schedulerId(guildId))).toBeUndefined();
    await schedules.close();
  });

  it("posts exactly once a day with two processes, however often the job fires", async () => {
    const poster = new RecordingPoster();
    const clock = new TestClock(Date.parse("2026-03-30T06:55:00Z")); // 08:55 in Madrid
    const [first, second] = [await start(poster, clock), await start(poster, clock)];
    const guildId = randomUUID();
    await admin(first, guildId).command("daily", setup);
    clock.set("2026-03-30T07:00:00.010Z"); // 09:00 in Madrid
    // Both processes catch up, and a scheduler fires the post every 50 ms on both workers.
    await Promise.all([first.running.daily.catchUp(), second.running.daily.catchUp()]);
    const schedules = new DailySchedules(redis, PREFIX);
    await schedules.queue.upsertJobScheduler("burst", { every: 50 }, { name: "post", data: { kind: "post", guildId } });
    await Promise.all(Array.from({ length: 10 }, () => schedules.queue.add("post", { kind: "post", guildId })));
    await waitUntil(async () => (await schedules.queue.getJobCounts("wait", "active")).wait === 0 && poster.posts.length > 0);
    await new Promise((wait) => setTimeout(wait, 500));
    await schedules.queue.removeJobScheduler("burst");
    await schedules.close();
    expect(poster.posts).toHaveLength(1);
    expect(poster.posts[0]!.channelId).toBe("111");
    expect(textOf(poster.posts[0]!.reply)).toContain("Daily quiz #1");
  });

  it("catches up a post missed during a downtime, within the same local day only", async () => {
    const poster = new RecordingPoster();
    const clock = new TestClock(Date.parse("2026-04-01T05:00:00Z")); // 07:00 in Madrid
    const guildId = randomUUID();
    const before = await start(poster, clock);
    await admin(before, guildId).command("daily", setup);
    await before.stop();
    started.splice(0);

    clock.set("2026-04-01T09:30:00Z"); // 11:30: the 09:00 post was missed
    await start(poster, clock);
    await waitUntil(() => poster.posts.length === 1);
    await Promise.all(started.splice(0).map((bot) => bot.stop()));

    await start(poster, clock); // a second restart the same day posts nothing more
    await new Promise((wait) => setTimeout(wait, 300));
    await Promise.all(started.splice(0).map((bot) => bot.stop()));

    clock.set("2026-04-03T05:00:00Z"); // down all of 2 April; 3 April's slot is still ahead
    const after = await start(poster, clock);
    expect(await after.running.daily.catchUp()).toBe(0);
    clock.set("2026-04-03T07:00:01Z");
    expect(await after.running.daily.catchUp()).toBe(1);
    await waitUntil(() => poster.posts.length === 2);
    expect(textOf(poster.posts[1]!.reply)).toContain("Daily quiz #2");
  });

  it("after today's quiz was posted, a new later time today starts tomorrow, and setup and status say so", async () => {
    const poster = new RecordingPoster();
    const clock = new TestClock(Date.parse("2026-11-25T07:55:00Z")); // 08:55 in Madrid (CET)
    const bot = await start(poster, clock);
    const guildId = randomUUID();
    await admin(bot, guildId).command("daily", setup);
    clock.set("2026-11-25T08:00:00Z"); // 09:00: today's quiz is posted
    await bot.running.daily.postIfOwed(guildId);
    expect(poster.posts).toHaveLength(1);

    clock.set("2026-11-25T13:40:00Z"); // 14:40, the same local day
    const [reply] = (await admin(bot, guildId).command("daily", { ...setup, time: "14:42" })).replies;
    expect(textOf(reply!)).toContain("Today's quiz was already posted, so the first quiz at 14:42 is tomorrow.");
    expect(textOf(reply!)).toContain("2026-11-26 at 14:42");
    expect(textOf(reply!)).not.toContain("2026-11-25 at 14:42");
    const status = (await bot.services.daily.status(guildId))!;
    expect(new Date(status.nextPostAt!).toISOString()).toBe("2026-11-26T13:42:00.000Z");
    expect(textOf((await admin(bot, guildId).command("daily", { subcommand: "status" })).replies[0]!)).toContain("2026-11-26 at 14:42");

    // And so it is: the job firing at 14:42 posts nothing, the one at 14:42 tomorrow posts.
    clock.set("2026-11-25T13:42:00Z");
    await bot.running.daily.postIfOwed(guildId);
    expect(poster.posts).toHaveLength(1);
    const later = textOf((await admin(bot, guildId).command("daily", { subcommand: "status" })).replies[0]!);
    expect(later).toContain("2026-11-26 at 14:42");
    expect(later).not.toContain("already posted"); // past 14:42, tomorrow is simply the next slot
    clock.set("2026-11-26T13:42:00Z");
    await bot.running.daily.postIfOwed(guildId);
    expect(poster.posts).toHaveLength(2);

    // A server whose quiz of today is not posted yet gets today's slot, with no such sentence.
    const fresh = randomUUID();
    clock.set("2026-11-25T13:40:00Z");
    const [today] = (await admin(bot, fresh).command("daily", { ...setup, time: "14:42" })).replies;
    expect(textOf(today!)).toContain("2026-11-25 at 14:42");
    expect(textOf(today!)).not.toContain("already posted");
    // Set up after its time today: tomorrow, again without the sentence.
    const [late] = (await admin(bot, randomUUID()).command("daily", { ...setup, time: "14:30" })).replies;
    expect(textOf(late!)).toContain("2026-11-26 at 14:30");
    expect(textOf(late!)).not.toContain("already posted");
  });

  it("a post that failed is posted by the retry, still once", async () => {
    const poster = new RecordingPoster();
    const clock = new TestClock(Date.parse("2026-04-01T05:00:00Z"));
    const bot = await start(poster, clock);
    const guildId = randomUUID();
    await admin(bot, guildId).command("daily", setup);
    clock.set("2026-04-01T07:00:00Z");
    poster.outages = 1;
    await expect(bot.running.daily.postIfOwed(guildId)).rejects.toThrow("unreachable");
    await bot.running.daily.postIfOwed(guildId);
    await bot.running.daily.postIfOwed(guildId);
    expect(poster.posts).toHaveLength(1);
  });

  it("does not post a slot that passed before setup or while paused", async () => {
    const poster = new RecordingPoster();
    const clock = new TestClock(Date.parse("2026-04-01T08:00:00Z")); // 10:00 in Madrid
    const bot = await start(poster, clock);
    const guildId = randomUUID();
    await admin(bot, guildId).command("daily", setup);
    await bot.running.daily.postIfOwed(guildId);
    expect(poster.posts).toHaveLength(0);
    clock.set("2026-04-02T07:00:00Z");
    await admin(bot, guildId).command("daily", { subcommand: "pause" });
    await bot.running.daily.postIfOwed(guildId);
    expect(poster.posts).toHaveLength(0);
  });
});

describe("daily questions, answers, reveal and scores", () => {
  /** Posts the quiz of `day` May 2026 at 09:00 in Madrid. */
  async function postDay(bot: TestProcess, clock: TestClock, guildId: string, day: number) {
    clock.set(`2026-05-${String(day).padStart(2, "0")}T07:00:00Z`);
    await bot.running.daily.postIfOwed(guildId);
  }

  it("never repeats a daily question in a server until its bank is used up", async () => {
    const poster = new RecordingPoster();
    const clock = new TestClock(Date.parse("2026-04-30T07:00:00Z"));
    const bot = await start(poster, clock);
    const guildId = randomUUID();
    await admin(bot, guildId).command("daily", setup);
    for (let day = 1; day <= 10; day++) await postDay(bot, clock, guildId, day);
    const questionIds = poster.posts.map((post) => actionsOf(post.reply)[0]!);
    expect(poster.posts).toHaveLength(10);
    const ids = await Promise.all(
      Array.from({ length: 10 }, (_, index) => redis.hget(keys.dailyPost(guildId, `2026-05-${String(index + 1).padStart(2, "0")}`), "questionId")),
    );
    expect(new Set(ids.slice(0, 5)).size).toBe(5);
    expect(new Set(ids.slice(5)).size).toBe(5);
    expect(questionIds[0]).toBe("daily:answer:2026-05-01:0");
  });

  it("takes one answer each, reveals votes and winners, and scores streaks and leaderboards", async () => {
    const poster = new RecordingPoster();
    const clock = new TestClock(Date.parse("2026-04-30T07:00:00Z"));
    const bot = await start(poster, clock);
    const guildId = randomUUID();
    await admin(bot, guildId).command("daily", { ...setup, "ping-role": "222" });
    // The position of the right answer on the posted message: its choices are shuffled.
    const answerOf = async (date: string) => {
      const post = await redis.hget(keys.dailyPost(guildId, date), "questionId");
      const messageId = await redis.hget(keys.dailyPost(guildId, date), "messageId");
      const message = poster.posts.find((posted) => posted.messageId === messageId)!;
      return shownAnswer(message.reply, bot.services.content.questions.find((question) => question.id === post)!);
    };
    const press = async (userId: string, date: string, right: boolean) => {
      const answer = await answerOf(date);
      return as(bot, { guildId, userId }).press(`daily:answer:${date}:${right ? answer : (answer + 1) % 2}`);
    };

    await postDay(bot, clock, guildId, 4);
    expect(poster.posts[0]!.pingRoleId).toBe("222");
    expect(poster.posts[0]!.reply.text).toBe("<@&222>");
    const [locked] = await press("ana", "2026-05-04", true);
    expect(locked!.private).toBe(true);
    expect(textOf(locked!)).toContain("revealed at 21:00 (Europe/Madrid)"); // 12 hours after the post, by default
    expect(textOf((await press("ana", "2026-05-04", false))[0]!)).toContain("You already answered");
    await press("bo", "2026-05-04", true);
    await press("cy", "2026-05-04", false);

    // The reveal is a delayed job; promoting it runs it now on the worker.
    const schedules = new DailySchedules(redis, PREFIX);
    const reveal = (await schedules.queue.getJob(`reveal-${guildId}-2026-05-04`))!;
    expect(reveal.opts.delay).toBe(12 * 3600_000);
    await reveal.promote();
    await waitUntil(() => poster.edits.length === 1);
    await schedules.close();
    const revealed = textOf(poster.edits[0]!.reply);
    expect(poster.edits[0]!.messageId).toBe(poster.posts[0]!.messageId);
    expect(revealed).toMatch(/67% \(2\) ✓/);
    // The reveal names the letter the posted message showed the right answer under, and keeps that order.
    const letter = "ABCD"[await answerOf("2026-05-04")]!;
    expect(revealed).toContain(`Answer: ${letter}`);
    expect(revealed).toContain(`${letter}) 67% (2) ✓`);
    expect(poster.edits[0]!.reply.cards![0]!.body).toBe(poster.posts[0]!.reply.cards![0]!.body);
    expect(revealed).toContain("<@ana>, <@bo>");
    expect(revealed).not.toContain("<@cy>");
    expect(actionsOf(poster.edits[0]!.reply)[0]).toMatch(/^explain:show:/);
    expect(textOf((await press("dee", "2026-05-04", true))[0]!)).toContain("closed");

    await postDay(bot, clock, guildId, 5);
    await press("ana", "2026-05-05", true);
    await press("cy", "2026-05-05", true);
    await postDay(bot, clock, guildId, 6); // closes and scores 5 May
    await press("ana", "2026-05-06", true);
    await postDay(bot, clock, guildId, 7); // bo skipped 5 and 6 May

    const streakOf = async (userId: string) => textOf((await as(bot, { guildId, userId }).command("progress")).replies[0]!);
    expect(await streakOf("ana")).toContain("3 now, best 3");
    expect(await streakOf("bo")).toContain("0 now, best 1");
    expect(await streakOf("cy")).toContain("0 now, best 1");

    const [board] = (await as(bot, { guildId, userId: "cy" }).command("leaderboard", { period: "all" })).replies;
    expect(textOf(board!)).toContain("**1.** <@ana> · 3 right");
    expect(textOf(board!)).toContain("**2.** <@bo> · 1 right");
    expect(textOf(board!)).toContain("**2.** <@cy> · 1 right");
    expect(textOf(board!)).toContain("**#2** with 1 right.");
    // 4 to 6 May 2026 are in ISO week 19; the quiz of 7 May is still open.
    expect(await redis.zrevrange(keys.boardWeek(guildId, "2026-W19"), 0, -1, "WITHSCORES")).toEqual(["ana", "3", "cy", "1", "bo", "1"]);
    const [nobody] = (await as(bot, { guildId, userId: "zed" }).command("leaderboard")).replies;
    expect(textOf(nobody!)).toContain("You\nNo correct daily answers yet.");
    // A server without a daily quiz is told how to start one, not promised a next quiz.
    const [none] = (await as(bot, { guildId: randomUUID(), userId: "zed" }).command("leaderboard")).replies;
    expect(textOf(none!)).toContain("This server has no daily quiz, so nobody has scored yet.");
    expect(textOf(none!)).not.toContain("next one is your chance");
  });
});
