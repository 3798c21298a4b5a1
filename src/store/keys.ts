/**
 * Every Redis key of quizzes, in one place. Ids are Discord snowflakes (user, guild, message, interaction);
 * dates are the server's local calendar dates ("2026-03-29"); weeks are ISO weeks ("2026-W13").
 * The daily quiz's BullMQ queue keeps its own keys under "<prefix>:loopy-daily:*" (see src/queue/daily-schedule.ts).
 */
export const keys = {
  /** SET of question ids /quiz showed this user in the current round; a filter's ids are removed once all were seen. */
  quizSeen: (userId: string) => `loopy:quiz:seen:${userId}`,
  /** HASH user id → chosen index, for one /quiz message (its interaction id): one answer a user. Expires after a week. */
  quizAnswers: (postId: string) => `loopy:quiz:answers:${postId}`,
  /** HASH "<concept>:answered" / "<concept>:correct" → count, over /quiz and daily answers, for /progress. */
  progress: (userId: string) => `loopy:progress:${userId}`,

  /** SET of guild ids with a daily quiz set up (paused or not): what the start-up catch-up looks at. */
  dailyGuilds: () => "loopy:daily:guilds",
  /** HASH of the guild's DailySettings (channelId, time, timeZone, revealAfterMinutes, pingRoleId, paused, activeFrom). */
  dailySettings: (guildId: string) => `loopy:daily:settings:${guildId}`,
  /** HASH posted → daily quizzes posted so far (they are numbered by it), lastDate → date of the latest. */
  dailyState: (guildId: string) => `loopy:daily:state:${guildId}`,
  /** STRING, set NX by the one process that posts the guild's quiz of that date; expires after 8 days. */
  dailyClaim: (guildId: string, date: string) => `loopy:daily:claim:${guildId}:${date}`,
  /** HASH of the posted quiz of that date: questionId, number, channelId, messageId, revealAt, revealed. Expires after 8 days. */
  dailyPost: (guildId: string, date: string) => `loopy:daily:post:${guildId}:${date}`,
  /** HASH user id → chosen index for the quiz of that date (one answer a user). Expires after 8 days. */
  dailyAnswers: (guildId: string, date: string) => `loopy:daily:answers:${guildId}:${date}`,
  /** SET of question ids the guild's daily quiz posted in the current round of its bank. */
  dailyUsed: (guildId: string) => `loopy:daily:used:${guildId}`,
  /** HASH user id → JSON Streak {current, best, last} over the guild's daily quizzes. */
  dailyStreaks: (guildId: string) => `loopy:daily:streaks:${guildId}`,
  /** ZSET user id → correct daily answers in the guild, all time. */
  boardAll: (guildId: string) => `loopy:board:${guildId}:all`,
  /** ZSET user id → correct daily answers in the guild during that ISO week; expires two weeks after. */
  boardWeek: (guildId: string, week: string) => `loopy:board:${guildId}:week:${week}`,
};

/** Long enough to answer, reveal and show a quiz, short enough that old quizzes do not pile up. */
export const DAILY_RECORD_TTL_SECONDS = 8 * 24 * 3600;
export const QUIZ_ANSWERS_TTL_SECONDS = 7 * 24 * 3600;
export const WEEK_BOARD_TTL_SECONDS = 15 * 24 * 3600;
